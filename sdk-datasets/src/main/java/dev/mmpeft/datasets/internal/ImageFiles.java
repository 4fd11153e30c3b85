package dev.mmpeft.datasets.internal;

import dev.mmpeft.datasets.DatasetException;
import dev.mmpeft.datasets.ImageCheck;
import dev.mmpeft.datasets.MissingImageException;
import dev.mmpeft.datasets.MissingImages;
import dev.mmpeft.datasets.ReadOptions;
import dev.mmpeft.datasets.ReadReport;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Resolves the image paths records name and checks them: a path must stay inside the dataset root
 * (a {@code ../} in a record is refused, also through symbolic links), and, depending on {@link
 * ImageCheck}, the file must exist, be readable, look like an image or decode.
 */
public final class ImageFiles {
    private final Path root;
    private final Path realRoot;
    private final ReadOptions options;
    private final ReadReport report;
    /** Images already found good: datasets that reuse a few images (JSONL pools) check each once. */
    private final Map<Path, Boolean> checked = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, Boolean> eldest) {
            return size() > 4096;
        }
    };

    public ImageFiles(Path root, ReadOptions options, ReadReport report) {
        this.root = root.toAbsolutePath().normalize();
        Path real;
        try {
            real = this.root.toRealPath();
        } catch (IOException e) {
            real = this.root;
        }
        this.realRoot = real;
        this.options = options;
        this.report = report;
    }

    /**
     * {@code relative} resolved against {@code dir} (a folder inside the root), refusing absolute
     * paths and paths that leave the root.
     */
    public Path resolve(Path dir, String relative, RecordFields rec, String field) {
        if (relative.isBlank()) {
            throw rec.error(field, "empty path");
        }
        Path rel;
        try {
            rel = Path.of(relative);
        } catch (InvalidPathException e) {
            throw rec.error(field, "invalid path '" + relative + "': " + e.getReason());
        }
        if (rel.isAbsolute() || relative.startsWith("/") || relative.startsWith("\\")) {
            throw rec.error(field, "absolute path '" + relative + "' is not allowed (expected a path inside the dataset root "
                    + root + ")");
        }
        Path resolved = dir.toAbsolutePath().resolve(rel).normalize();
        if (!resolved.startsWith(root)) {
            throw rec.error(field, "path '" + relative + "' escapes the dataset root " + root);
        }
        return resolved;
    }

    /**
     * {@code dir/name} for a folder name a record gives (a split): text that no path can hold (a
     * lone surrogate, NUL) is the record's error, not an {@link InvalidPathException}. Whether the
     * result stays inside the root is {@link #inside}'s to check.
     */
    public static Path folder(Path dir, String name, RecordFields rec, String field) {
        try {
            return dir.resolve(name);
        } catch (InvalidPathException e) {
            throw rec.error(field, "'" + name + "' cannot be a folder name: " + e.getReason());
        }
    }

    /** Checks a path the format itself built (from a pid, a split) stays inside the root. */
    public Path inside(Path path, RecordFields rec, String field) {
        Path p = path.toAbsolutePath().normalize();
        if (!p.startsWith(root)) {
            throw rec.error(field, "path " + p + " escapes the dataset root " + root);
        }
        return p;
    }

    /**
     * Checks an image file as the options ask. A missing file raises {@link
     * MissingImageException} unless the policy is {@link MissingImages#KEEP} (then it is counted);
     * an unreadable or non-image file raises {@link DatasetException}.
     */
    public Path check(Path image, RecordFields rec, String field) {
        if (options.imageCheck() == ImageCheck.NONE || checked.containsKey(image)) {
            return image;
        }
        if (!Files.exists(image)) {
            if (options.missingImages() == MissingImages.KEEP) {
                report.countMissingImageKept();
                return image;
            }
            throw new MissingImageException(rec.file(), rec.record(), field, image);
        }
        try {
            Path real = image.toRealPath();
            if (!real.startsWith(realRoot)) {
                throw rec.error(field, "image " + image + " links to " + real + ", outside the dataset root " + root);
            }
        } catch (IOException e) {
            throw rec.error(field, "cannot resolve image " + image + ": " + e.getMessage());
        }
        if (!Files.isRegularFile(image)) {
            throw rec.error(field, "image " + image + " is not a regular file");
        }
        if (!Files.isReadable(image)) {
            throw rec.error(field, "image " + image + " is not readable");
        }
        if (options.imageCheck() == ImageCheck.EXISTS) {
            checked.put(image, Boolean.TRUE);
            return image;
        }
        byte[] head = new byte[12];
        int n;
        try (InputStream in = Files.newInputStream(image)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw rec.error(field, "cannot read image " + image + ": " + e.getMessage());
        }
        if (n == 0) {
            throw rec.error(field, "image " + image + " is empty (0 bytes)");
        }
        if (!looksLikeImage(head, n)) {
            throw rec.error(field, "image " + image + " is not a PNG, JPEG, GIF, BMP or WebP file (starts with "
                    + hex(head, Math.min(n, 8)) + ")");
        }
        if (options.imageCheck() == ImageCheck.DECODE) {
            try {
                BufferedImage img = ImageIO.read(image.toFile());
                if (img == null) {
                    throw rec.error(field, "image " + image + " cannot be decoded (no reader for its format)");
                }
            } catch (IOException | RuntimeException e) {
                if (e instanceof DatasetException de) {
                    throw de;
                }
                throw rec.error(field, "image " + image + " cannot be decoded: " + e.getMessage());
            }
        }
        checked.put(image, Boolean.TRUE);
        return image;
    }

    static boolean looksLikeImage(byte[] h, int n) {
        if (n >= 8 && (h[0] & 0xff) == 0x89 && h[1] == 'P' && h[2] == 'N' && h[3] == 'G' && h[4] == 0x0d
                && h[5] == 0x0a && h[6] == 0x1a && h[7] == 0x0a) {
            return true;
        }
        if (n >= 3 && (h[0] & 0xff) == 0xff && (h[1] & 0xff) == 0xd8 && (h[2] & 0xff) == 0xff) {
            return true;
        }
        if (n >= 6 && h[0] == 'G' && h[1] == 'I' && h[2] == 'F' && h[3] == '8') {
            return true;
        }
        if (n >= 2 && h[0] == 'B' && h[1] == 'M') {
            return true;
        }
        return n >= 12 && h[0] == 'R' && h[1] == 'I' && h[2] == 'F' && h[3] == 'F' && h[8] == 'W' && h[9] == 'E'
                && h[10] == 'B' && h[11] == 'P';
    }

    private static String hex(byte[] b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(String.format("%02x", b[i] & 0xff));
            if (i < n - 1) {
                sb.append(' ');
            }
        }
        return sb.toString();
    }
}
