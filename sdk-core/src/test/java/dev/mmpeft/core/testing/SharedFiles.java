package dev.mmpeft.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the project's {@code ../shared} folder (real checkpoints and dataset samples) from any
 * module's tests. A missing folder is a test failure, never a silent skip.
 */
public final class SharedFiles {
    private SharedFiles() {}

    /** The shared folder: system property {@code mmpeft.shared}, else the first {@code shared} sibling of a parent folder. */
    public static Path root() {
        String configured = System.getProperty("mmpeft.shared");
        if (configured != null && Files.isDirectory(Path.of(configured))) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("checkpoints"))) {
                return candidate.normalize();
            }
        }
        throw new AssertionError(
                "cannot find the shared folder (../shared beside the repository); set -Dmmpeft.shared=PATH");
    }

    /** A path under the shared folder, which must exist. */
    public static Path get(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new AssertionError("missing shared fixture " + p);
        }
        return p;
    }
}
