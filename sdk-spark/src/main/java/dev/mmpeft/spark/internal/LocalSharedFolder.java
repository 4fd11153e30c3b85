package dev.mmpeft.spark.internal;

import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.spark.SharedFolder;
import dev.mmpeft.spark.SparkJobException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A {@link SharedFolder} on a local or mounted path, written through {@link AtomicFiles}. */
public final class LocalSharedFolder implements SharedFolder {
    private final String uri;
    private final Path root;

    public LocalSharedFolder(String uri, Path root) {
        this.uri = uri;
        this.root = root;
    }

    @Override
    public String uri() {
        return uri;
    }

    private Path resolve(String relative) {
        Path p = root.resolve(relative).normalize();
        if (!p.startsWith(root.normalize())) {
            throw new SparkJobException(uri + ": '" + relative + "' points outside the output folder");
        }
        return p;
    }

    @Override
    public boolean exists(String relative) {
        return Files.exists(resolve(relative));
    }

    @Override
    public String readString(String relative) throws IOException {
        return Files.readString(resolve(relative), StandardCharsets.UTF_8);
    }

    @Override
    public void writeString(String relative, String content) throws IOException {
        AtomicFiles.writeString(resolve(relative), content);
    }

    @Override
    public void publishFile(Path localFile, String relative) throws IOException {
        AtomicFiles.write(resolve(relative), out -> Files.copy(localFile, out));
    }

    @Override
    public boolean publishDirectoryIfAbsent(Path localDirectory, String relative) throws IOException {
        Path target = resolve(relative);
        if (Files.exists(target)) {
            return false;
        }
        Path parent = target.getParent();
        Files.createDirectories(parent);
        AtomicFiles.removeLeftovers(target);
        // a hidden sibling named as AtomicFiles names its temporary folders, so its clean-up finds a killed copy
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".");
        try {
            copyTree(localDirectory, tmp);
            try {
                // rename(2) of a folder onto an existing non-empty folder fails: the first finished attempt wins
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                return true;
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                return false;
            }
        } finally {
            AtomicFiles.deleteRecursively(tmp);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Override
    public List<String> list(String relative) throws IOException {
        Path dir = resolve(relative);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        names.sort(null);
        return names;
    }
}
