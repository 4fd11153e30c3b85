package dev.mmpeft.spark.internal;

import dev.mmpeft.spark.SharedFolder;
import dev.mmpeft.spark.SparkJobException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;

/**
 * A {@link SharedFolder} on a Hadoop filesystem: every write goes to a hidden temporary sibling
 * ({@code .<name>.<uuid>.tmp}) that is then renamed into place, atomically where the filesystem
 * renames atomically (HDFS). No {@code .crc} side files are written.
 */
public final class HadoopSharedFolder implements SharedFolder {
    private final String uri;
    private final org.apache.hadoop.fs.Path root;
    private final FileSystem fs;
    private final FileContext fc;

    public HadoopSharedFolder(String uri, Configuration conf) {
        this.uri = uri;
        try {
            this.root = new org.apache.hadoop.fs.Path(URI.create(uri));
            this.fs = root.getFileSystem(conf);
            this.fs.setWriteChecksum(false);
            this.fc = FileContext.getFileContext(fs.getUri(), conf);
        } catch (IOException | IllegalArgumentException e) {
            throw new SparkJobException("output folder " + uri + ": cannot open its Hadoop filesystem (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String uri() {
        return uri;
    }

    private org.apache.hadoop.fs.Path resolve(String relative) {
        if (relative.startsWith("/") || relative.contains("..")) {
            throw new SparkJobException(uri + ": '" + relative + "' must be a relative path inside the output folder");
        }
        return relative.isEmpty() ? root : new org.apache.hadoop.fs.Path(root, relative);
    }

    private static org.apache.hadoop.fs.Path temporarySibling(org.apache.hadoop.fs.Path target) {
        return new org.apache.hadoop.fs.Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
    }

    @Override
    public boolean exists(String relative) throws IOException {
        return fs.exists(resolve(relative));
    }

    @Override
    public String readString(String relative) throws IOException {
        try (InputStream in = fs.open(resolve(relative))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void writeString(String relative, String content) throws IOException {
        org.apache.hadoop.fs.Path target = resolve(relative);
        org.apache.hadoop.fs.Path tmp = temporarySibling(target);
        try {
            try (OutputStream out = fs.create(tmp, false)) {
                out.write(content.getBytes(StandardCharsets.UTF_8));
            }
            replace(tmp, target);
        } finally {
            fs.delete(tmp, false);
        }
    }

    @Override
    public void publishFile(Path localFile, String relative) throws IOException {
        org.apache.hadoop.fs.Path target = resolve(relative);
        org.apache.hadoop.fs.Path tmp = temporarySibling(target);
        try {
            try (OutputStream out = fs.create(tmp, false)) {
                Files.copy(localFile, out);
            }
            replace(tmp, target);
        } finally {
            fs.delete(tmp, false);
        }
    }

    private void replace(org.apache.hadoop.fs.Path tmp, org.apache.hadoop.fs.Path target) throws IOException {
        fs.mkdirs(target.getParent());
        fc.rename(tmp, target, Options.Rename.OVERWRITE);
    }

    @Override
    public boolean publishDirectoryIfAbsent(Path localDirectory, String relative) throws IOException {
        org.apache.hadoop.fs.Path target = resolve(relative);
        if (fs.exists(target)) {
            return false;
        }
        org.apache.hadoop.fs.Path tmp = temporarySibling(target);
        try {
            fs.mkdirs(target.getParent());
            fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(localDirectory.toUri()), tmp);
            try {
                fc.rename(tmp, target); // no OVERWRITE: fails when another attempt published first
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            }
        } finally {
            fs.delete(tmp, true);
        }
    }

    @Override
    public List<String> list(String relative) throws IOException {
        org.apache.hadoop.fs.Path dir = resolve(relative);
        if (!fs.exists(dir)) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (FileStatus s : fs.listStatus(dir)) {
            names.add(s.getPath().getName());
        }
        names.sort(null);
        return names;
    }
}
