package dev.mmpeft.plots;

/**
 * One point of the accuracy-vs-trainable-parameters chart: the series it belongs to (a method such
 * as {@code LoRA}, or a component), the label written beside it ({@code r=2}, {@code s=8 tuned}),
 * and its coordinates. Why not {@code RunSummary}: a comparison of methods labels its points by the
 * method's own size and the connector setting, which a component x rank summary cannot say.
 *
 * @param series the legend entry; each series gets its own marker shape and colour
 * @param label the text beside the point (may be empty)
 * @param trainableParameters the x value (log scale), at least 1
 * @param accuracy the y value, in percent
 */
public record ScatterPoint(String series, String label, long trainableParameters, double accuracy) {
    public ScatterPoint {
        if (series.isBlank()) {
            throw new IllegalArgumentException("a scatter point needs a series name");
        }
        if (trainableParameters < 1) {
            throw new IllegalArgumentException("trainable parameters must be >= 1 on a log axis, got " + trainableParameters
                    + " for " + series + " " + label);
        }
        if (!Double.isFinite(accuracy)) {
            throw new IllegalArgumentException("accuracy must be a number, got " + accuracy + " for " + series + " " + label);
        }
    }
}
