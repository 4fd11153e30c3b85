package dev.mmpeft.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes files and folders so that a reader sees either the old content or the new one, never a
 * half-written file: content goes to a temporary sibling, is flushed to disk, then renamed over
 * the real name in one atomic step.
 *
 * <p>Checkpoints, adapters and reports all go through here, so a crash or a kill at any moment
 * leaves the previous version intact.
 *
 * <p>Permissions: the temporary file or folder Java creates is owner-only ({@code rw-------}), which
 * would leave users' checkpoints and reports unreadable to their group. Where the file system has
 * POSIX permissions, what replaces an existing file or folder gets that one's permissions, and
 * anything new gets the usual {@code rw-r--r--} (files) or {@code rwxr-xr-x} (folders).
 */
public final class AtomicFiles {
    private static final Set<PosixFilePermission> NEW_FILE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> NEW_DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");

    private AtomicFiles() {}

    /** Writes content produced by {@code writer} to {@code target} atomically. */
    public static void write(Path target, IoConsumer<OutputStream> writer) throws IOException {
        writeChannel(
                target,
                channel -> {
                    OutputStream out = java.nio.channels.Channels.newOutputStream(channel);
                    writer.accept(out);
                    out.flush();
                });
    }

    /**
     * Writes content to {@code target} atomically through a file channel (for large binary files:
     * buffers, including memory-mapped ones, go to disk without a copy through the heap). If
     * {@code writer} throws, the target is untouched and the temporary file is removed.
     */
    public static void writeChannel(Path target, IoConsumer<FileChannel> writer) throws IOException {
        Path dir = parentOf(target);
        Files.createDirectories(dir);
        removeLeftovers(target);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            givePermissions(tmp, target, NEW_FILE);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                writer.accept(channel);
                // on disk before the rename, so a crash cannot leave a renamed but empty file
                channel.force(true);
            }
            move(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes a UTF-8 string atomically. */
    public static void writeString(Path target, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        write(target, out -> out.write(bytes));
    }

    /** Writes bytes atomically. */
    public static void writeBytes(Path target, byte[] content) throws IOException {
        write(target, out -> out.write(content));
    }

    /**
     * Fills a new folder through {@code filler} and then puts it in place of {@code target}: the
     * folder appears complete or not at all. An existing {@code target} is replaced (it is first
     * renamed aside, then deleted), so a crash in between leaves either the old or the new folder
     * under the real name, plus at most one stale {@code .old} sibling.
     */
    public static void writeDirectory(Path target, IoConsumer<Path> filler) throws IOException {
        Path parent = parentOf(target);
        Files.createDirectories(parent);
        recoverDirectory(target);
        removeLeftovers(target);
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".");
        try {
            givePermissions(tmp, target, NEW_DIRECTORY);
            filler.accept(tmp);
            if (Files.exists(target)) {
                Path old = parent.resolve("." + target.getFileName() + ".old");
                deleteRecursively(old);
                move(target, old);
                move(tmp, target);
                deleteRecursively(old);
            } else {
                move(tmp, target);
            }
        } finally {
            deleteRecursively(tmp);
        }
    }

    /**
     * Puts a folder back under its real name if a process was killed between the two renames of
     * {@link #writeDirectory} (the previous version then waits in the {@code .old} sibling). Call it
     * before reading a folder that {@code writeDirectory} maintains; returns whether it did anything.
     */
    public static boolean recoverDirectory(Path target) throws IOException {
        Path old = parentOf(target).resolve("." + target.getFileName() + ".old");
        if (!Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(old)) {
            move(old, target);
            return true;
        }
        return false;
    }

    /**
     * Deletes what a write of {@code target} that was killed midway left behind: temporary siblings
     * ({@code .<name>.<random>.tmp} files, {@code .<name>.<random>} folders). The real file is never
     * touched. Writers of one target are expected to take turns, as everywhere in the SDK; every
     * write here cleans up before it starts, and readers may call it too.
     */
    public static void removeLeftovers(Path target) throws IOException {
        if (!Files.isDirectory(parentOf(target))) {
            return;
        }
        String prefix = "." + target.getFileName() + ".";
        try (Stream<Path> siblings = Files.list(parentOf(target))) {
            for (Path p : (Iterable<Path>) siblings::iterator) {
                String name = p.getFileName().toString();
                if (!name.startsWith(prefix)) {
                    continue;
                }
                String rest = name.substring(prefix.length());
                boolean tempFile = rest.endsWith(".tmp") && rest.substring(0, rest.length() - 4).matches("-?[0-9]+");
                boolean tempDir = rest.matches("-?[0-9]+") && Files.isDirectory(p);
                if (tempFile || tempDir) {
                    deleteRecursively(p);
                }
            }
        }
    }

    /** Deletes a file or a folder tree if it exists. */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** {@code target}'s permissions if it exists, else {@code fresh}; nothing without POSIX permissions. */
    private static void givePermissions(Path tmp, Path target, Set<PosixFilePermission> fresh) throws IOException {
        if (!tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Files.setPosixFilePermissions(tmp, Files.exists(target) ? Files.getPosixFilePermissions(target) : fresh);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Path parentOf(Path target) {
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null) {
            throw new IllegalArgumentException("no parent folder for " + target);
        }
        return parent;
    }

    /** A consumer that may throw {@link IOException}. */
    @FunctionalInterface
    public interface IoConsumer<T> {
        void accept(T value) throws IOException;
    }
}
