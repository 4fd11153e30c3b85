package dev.mmpeft.datasets;

/**
 * What a reader does with a record whose image file is absent.
 *
 * <p>Training needs every image, so the default fails with the record and the path; a partial
 * download can be read with {@link #SKIP} (each skip counted and logged) and inspected with
 * {@link #KEEP}.
 */
public enum MissingImages {
    /** Stop with a {@link MissingImageException} naming the file, record and image path. */
    FAIL,
    /** Leave the record out, count it in the {@link ReadReport} and log it. */
    SKIP,
    /** Keep the record with the path of its (absent) image; {@link ReadReport#missingImages()} counts it. */
    KEEP
}
