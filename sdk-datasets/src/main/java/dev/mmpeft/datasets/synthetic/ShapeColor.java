package dev.mmpeft.datasets.synthetic;

import java.awt.Color;
import java.util.Locale;

/**
 * The colours the generator paints with: saturated and far apart in RGB, so colour is the
 * clearest visual signal a tiny model can pick up. Each also has a {@link #thing()} of that
 * colour, the answer vocabulary of the shifted task.
 */
public enum ShapeColor {
    RED(new Color(220, 30, 30), "cherry"),
    GREEN(new Color(30, 160, 50), "leaf"),
    BLUE(new Color(30, 70, 220), "sea"),
    YELLOW(new Color(240, 200, 20), "banana"),
    PURPLE(new Color(140, 40, 180), "grape"),
    ORANGE(new Color(245, 125, 20), "carrot");

    private final Color rgb;
    private final String thing;

    ShapeColor(Color rgb, String thing) {
        this.rgb = rgb;
        this.thing = thing;
    }

    /** The colour drawn. */
    public Color rgb() {
        return rgb;
    }

    /** The colour word. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A thing of this colour (the shifted task's answer vocabulary). */
    public String thing() {
        return thing;
    }
}
