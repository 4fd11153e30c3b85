package dev.mmpeft.datasets;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A record names an image file that does not exist: a partial download, a moved folder. Kept
 * apart from other bad input because {@link MissingImages#SKIP} turns exactly this case into a
 * counted skip.
 */
public final class MissingImageException extends DatasetException {
    private static final long serialVersionUID = 1L;

    private final String image;

    public MissingImageException(
            @Nullable Path file, @Nullable String record, String field, Path image) {
        super(file, record, field, "image file " + image + " does not exist");
        this.image = image.toString();
    }

    /** The path of the missing image. */
    public String image() {
        return image;
    }
}
