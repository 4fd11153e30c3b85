package dev.mmpeft.datasets;

/**
 * How carefully a reader checks the image files its records name, traded against speed: a
 * 100,000-record dataset is read in seconds with {@link #HEADER}, which still catches missing,
 * empty and non-image files before a training run trips over them hours later.
 */
public enum ImageCheck {
    /** No file system access: paths are only resolved (and checked to stay inside the root). */
    NONE,
    /** The file exists, is a regular file and is readable. */
    EXISTS,
    /** As {@link #EXISTS}, and the file starts with a PNG, JPEG, GIF, BMP or WebP signature. */
    HEADER,
    /** As {@link #HEADER}, and the whole image decodes (slow: reads every pixel). */
    DECODE
}
