package dev.mmpeft.core.provenance;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * SHA-256 fingerprints for provenance: of a file or a folder (every regular file, by relative
 * path, in sorted order), of named tensors, of a list of strings (a dataset's example ids).
 */
public final class Hashes {
    private Hashes() {}

    /** {@code sha256:<hex>} of a file, or of a folder's files and their relative paths. */
    public static String sha256(Path path) throws IOException {
        MessageDigest md = digest();
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(path)) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                md.update(path.relativize(f).toString().replace('\\', '/').getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                update(md, f);
            }
        } else {
            update(md, path);
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    /** {@code sha256:<hex>} of named tensors (names, shapes, types and bytes, in name order). */
    public static String sha256(Map<String, NDArray> tensors) {
        MessageDigest md = digest();
        for (Map.Entry<String, NDArray> e : new TreeMap<>(tensors).entrySet()) {
            NDArray a = e.getValue();
            md.update((e.getKey() + "|" + a.getShape() + "|" + a.getDataType() + "|").getBytes(StandardCharsets.UTF_8));
            ByteBuffer bytes = a.toByteBuffer();
            md.update(bytes);
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    /** {@code sha256:<hex>} of strings in order (each followed by a newline). */
    public static String sha256(List<String> lines) {
        MessageDigest md = digest();
        for (String s : lines) {
            md.update(s.getBytes(StandardCharsets.UTF_8));
            md.update((byte) '\n');
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    private static void update(MessageDigest md, Path file) throws IOException {
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
