package dev.mmpeft.samples.quickstart;

import com.google.common.hash.Hashing;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A model packaged as class-path resources under {@code resourceDir} with a {@link #MANIFEST}
 * (every file with its SHA-256), and the one path by which every embedded model is unpacked: on
 * first use it is copied into the cache folder ({@code -Dmmpeft.cache}, {@code $MMPEFT_CACHE}, or
 * {@code ~/.cache/mmpeft}) under its name and the manifest's hash, each file checked against the
 * manifest; later calls find it there.
 *
 * @param name the model's name (the cache folder's prefix, and what error messages call it)
 * @param resourceDir the class-path folder, starting and ending with {@code /}
 * @param family the {@code --family} of {@code ./mmpeft default-model} that rebuilds it
 */
record PackagedModel(String name, String resourceDir, String family) {
    /** The file listing every packaged file with its SHA-256 (written by {@link #writeManifest}). */
    static final String MANIFEST = "MANIFEST.sha256";

    /**
     * The model as a Hugging Face directory, unpacked into the cache on first use.
     *
     * @throws MmpeftException naming the model and the resource when it is not on the class path,
     *     a listed file is missing, or a file's hash differs from the manifest's
     */
    Path directory() {
        String manifest;
        try (InputStream in = PackagedModel.class.getResourceAsStream(resourceDir + MANIFEST)) {
            if (in == null) {
                throw new MmpeftException("the embedded model " + name + " is missing from the class path (" + resourceDir + MANIFEST
                        + "); rebuild it with ./mmpeft default-model --family " + family + " --output DIR and pass --model DIR");
            }
            manifest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path dir = cacheRoot().resolve(name + "-" + Hashing.sha256().hashString(manifest, StandardCharsets.UTF_8).toString().substring(0, 12));
        if (Files.isRegularFile(dir.resolve(MANIFEST))) {
            return dir;
        }
        try {
            AtomicFiles.writeDirectory(dir, tmp -> {
                for (String line : manifest.split("\n")) {
                    if (line.isBlank()) {
                        continue;
                    }
                    String sha = line.substring(0, 64);
                    String file = line.substring(66);
                    Path target = tmp.resolve(file);
                    Files.createDirectories(target.getParent());
                    try (InputStream in = PackagedModel.class.getResourceAsStream(resourceDir + file)) {
                        if (in == null) {
                            throw new MmpeftException("the embedded model " + name + " lacks " + file + " listed in its manifest");
                        }
                        Files.copy(in, target);
                    }
                    String actual = com.google.common.io.Files.asByteSource(target.toFile()).hash(Hashing.sha256()).toString();
                    if (!actual.equals(sha)) {
                        throw new MmpeftException("the embedded model " + name + "'s " + file + " is corrupt: sha256 " + actual
                                + ", manifest says " + sha);
                    }
                }
                Files.writeString(tmp.resolve(MANIFEST), manifest);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the embedded model " + name + " into " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /** Writes the packaged model (as {@link #directory()} unpacks it) to {@code out}, replacing it atomically. */
    void copyTo(Path out) throws IOException {
        Path packaged = directory();
        AtomicFiles.deleteRecursively(out);
        AtomicFiles.writeDirectory(out, tmp -> copyTree(packaged, tmp));
    }

    /** Where unpacked models are cached. */
    static Path cacheRoot() {
        String configured = System.getProperty("mmpeft.cache", System.getenv("MMPEFT_CACHE"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "mmpeft");
    }

    /** Writes {@link #MANIFEST}: every file of {@code dir} with its SHA-256, sorted by path. */
    static void writeManifest(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile).sorted()::iterator) {
                String file = dir.relativize(p).toString().replace('\\', '/');
                if (file.equals(MANIFEST)) {
                    continue;
                }
                sb.append(com.google.common.io.Files.asByteSource(p.toFile()).hash(Hashing.sha256())).append("  ").append(file).append('\n');
            }
        }
        AtomicFiles.writeString(dir.resolve(MANIFEST), sb.toString());
    }

    /** Copies the tree {@code from} into {@code to}. */
    static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
