package dev.mmpeft.core.train.listener;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The console progress of a run: step, epoch, loss, learning rate, throughput and ETA. On a
 * terminal it redraws one line in place ({@code \r}); elsewhere (logs, CI, tests) it prints a plain
 * line every 5% of the run and at each epoch's end, so output stays readable.
 */
public final class ProgressBar implements TrainingListener {
    private static final int WIDTH = 24;
    private final PrintStream out;
    private final boolean interactive;
    private long total;
    private long every;
    private double smoothedLoss = Double.NaN;
    private boolean lineOpen;

    public ProgressBar(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    @Override
    public void onStart(RunStart start) {
        total = start.totalSteps();
        every = Math.max(1, total / 20);
        String resumed = start.startStep() > 0 ? ", resuming at step " + start.startStep() : "";
        out.printf(Locale.ROOT, "training: %d steps (%d epochs x %d), %d examples, batch %d, %,d trainable parameters%s%n",
                total, start.totalEpochs(), start.stepsPerEpoch(), start.trainSize(), start.effectiveBatchSize(),
                start.trainableParameters(), resumed);
        out.flush();
    }

    @Override
    public void onStep(StepEvent s) {
        if (Double.isFinite(s.loss())) {
            smoothedLoss = Double.isNaN(smoothedLoss) ? s.loss() : 0.9 * smoothedLoss + 0.1 * s.loss();
        }
        String line = line(s);
        if (interactive) {
            out.print("\r" + line + "\u001b[K");
            lineOpen = true;
            if (s.step() == s.totalSteps()) {
                out.println();
                lineOpen = false;
            }
            out.flush();
        } else if (s.step() % every == 0 || s.step() == s.totalSteps()) {
            out.println(line);
            out.flush();
        }
    }

    /** The progress line of a step (public for tests and custom renderers). */
    public String line(StepEvent s) {
        double frac = (double) s.step() / Math.max(1, s.totalSteps());
        int filled = (int) Math.round(frac * WIDTH);
        StringBuilder bar = new StringBuilder("[");
        for (int i = 0; i < WIDTH; i++) {
            bar.append(i < filled ? '=' : (i == filled ? '>' : ' '));
        }
        bar.append(']');
        StringBuilder terms = new StringBuilder();
        s.lossTerms().forEach((k, v) -> terms.append(String.format(Locale.ROOT, " %s %.4f", k, v)));
        return String.format(Locale.ROOT, "%s %3.0f%% step %d/%d epoch %d/%d loss %.4f%s lr %.3g %.1f samples/s ETA %s%s",
                bar, frac * 100, s.step(), s.totalSteps(), s.epoch() + 1, s.totalEpochs(),
                Double.isNaN(smoothedLoss) ? s.loss() : smoothedLoss, terms, s.lr(), s.samplesPerSecond(),
                duration(s.etaSeconds()), s.skipped() ? " (skipped)" : "");
    }

    @Override
    public void onValidation(ValidationEvent v) {
        endLine();
        out.printf(Locale.ROOT, "validation at step %d: %s %.4f (best %.4f)%s%n", v.step(), v.metric(), v.value(), v.best(),
                v.improved() ? " *" : "");
        out.flush();
    }

    @Override
    public void onSkippedBatch(SkippedBatch s) {
        endLine();
        out.printf(Locale.ROOT, "skipped step %d: %s is %s in batch %s%n", s.step(), s.what(), s.value(), s.exampleIds());
        out.flush();
    }

    @Override
    public void onEnd(dev.mmpeft.core.train.TrainingResult r) {
        endLine();
        out.printf(Locale.ROOT, "training done: %s after %d steps in %s%n", r.stopReason(), r.steps(), duration(r.seconds()));
        out.flush();
    }

    private void endLine() {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /** The {@code progress} provider. */
    public static final class Provider implements TrainingListenerProvider {
        @Override
        public String name() {
            return "progress";
        }

        @Override
        public TrainingListener create(ListenerContext context) {
            return new ProgressBar(context.console(), context.interactive());
        }
    }
}
