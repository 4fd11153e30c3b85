package dev.mmpeft.spark;

import dev.mmpeft.spark.internal.HadoopSharedFolder;
import dev.mmpeft.spark.internal.LocalSharedFolder;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;

/**
 * The output folder of a Spark job that the driver and every executor write to: a local (or
 * network-mounted) path, or any Hadoop filesystem URI ({@code hdfs://}, {@code s3a://}, ...). Why:
 * executors publish finished cells, shards and reports here, so every write is atomic — a reader
 * sees a file or folder complete or not at all — and a rerun can tell finished work by its presence.
 *
 * <p>Local paths (no scheme, or {@code file:}) use {@link dev.mmpeft.core.io.AtomicFiles}; other
 * schemes write to a hidden temporary sibling and rename it, which is atomic on HDFS (on object
 * stores such as S3 a rename is a copy: use a committer-aware store or a local/NFS folder there).
 */
public interface SharedFolder {
    /** The folder's URI as given. */
    String uri();

    /** Whether {@code relative} (a {@code /}-separated path below the folder) exists. */
    boolean exists(String relative) throws IOException;

    /** The UTF-8 content of a file below the folder. */
    String readString(String relative) throws IOException;

    /** Writes a file below the folder atomically, replacing an existing one. */
    void writeString(String relative, String content) throws IOException;

    /** Copies a local file to {@code relative} atomically, replacing an existing one. */
    void publishFile(Path localFile, String relative) throws IOException;

    /**
     * Copies a local folder to {@code relative} atomically if nothing is there yet.
     *
     * @return false when {@code relative} existed already (it is left untouched and the copy dropped)
     */
    boolean publishDirectoryIfAbsent(Path localDirectory, String relative) throws IOException;

    /** The names of the entries directly below {@code relative} (empty when it does not exist), sorted. */
    List<String> list(String relative) throws IOException;

    /** A folder to open on the driver and on executors: its URI and the Hadoop settings to reach it. */
    record Location(String uri, Map<String, String> hadoopSettings) implements Serializable {
        private static final long serialVersionUID = 1L;

        public Location {
            hadoopSettings = Map.copyOf(hadoopSettings);
        }

        /** Opens the folder (on the driver or on an executor). */
        public SharedFolder open() {
            if (isLocal(uri)) {
                return new LocalSharedFolder(uri, localPath(uri));
            }
            Configuration conf = new Configuration(false);
            hadoopSettings.forEach(conf::set);
            return new HadoopSharedFolder(uri, conf);
        }
    }

    /** The location of {@code uri} (a path or URI) with the Hadoop settings of {@code conf} (Spark's {@code hadoopConfiguration()}). */
    static Location location(String uri, Configuration conf) {
        if (uri.isBlank()) {
            throw new SparkJobException("output folder: an empty path or URI; expected a local path or a Hadoop filesystem URI");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        if (!isLocal(uri)) {
            conf.forEach(e -> settings.put(e.getKey(), e.getValue()));
        }
        return new Location(uri, settings);
    }

    /** Whether {@code uri} names a local folder (no scheme, or {@code file:}). */
    static boolean isLocal(String uri) {
        int colon = uri.indexOf(':');
        int slash = uri.indexOf('/');
        if (colon < 2 || (slash >= 0 && slash < colon)) {
            return true; // "out/dir", "/abs/dir" (and "C:..." drive letters are not ours to support)
        }
        return uri.substring(0, colon).toLowerCase(Locale.ROOT).equals("file");
    }

    private static Path localPath(String uri) {
        return uri.regionMatches(true, 0, "file:", 0, 5) ? Path.of(URI.create(uri)) : Path.of(uri).toAbsolutePath();
    }
}
