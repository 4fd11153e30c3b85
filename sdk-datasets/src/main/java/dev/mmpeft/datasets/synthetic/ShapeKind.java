package dev.mmpeft.datasets.synthetic;

import java.util.Locale;

/** The shapes the generator draws: four outlines that stay distinct down to 32-pixel images. */
public enum ShapeKind {
    CIRCLE,
    SQUARE,
    TRIANGLE,
    STAR;

    /** The word used in questions and options. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
