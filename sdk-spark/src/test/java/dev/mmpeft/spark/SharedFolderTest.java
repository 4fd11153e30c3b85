package dev.mmpeft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.spark.internal.HadoopSharedFolder;
import dev.mmpeft.spark.internal.LocalSharedFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both shared-folder implementations (java.nio with AtomicFiles, and Hadoop's FileSystem, here on
 * {@code file:}) keep the same contract: files replaced whole, a folder published once (the first
 * wins), no temporary or {@code .crc} file left behind, nothing written outside the folder.
 */
class SharedFolderTest {
    @TempDir Path tmp;

    SharedFolder open(String kind, Path root) {
        return kind.equals("local") ? new LocalSharedFolder(root.toString(), root)
                : new HadoopSharedFolder(root.toUri().toString(), new Configuration());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hadoop"})
    void filesAreReplacedWholeAndAFolderIsPublishedOnce(String kind) throws Exception {
        Path root = tmp.resolve("out");
        SharedFolder out = open(kind, root);
        assertFalse(out.exists("cells/a/summary.json"));
        assertEquals(List.of(), out.list("cells"));

        out.writeString("runs.csv", "first\n");
        out.writeString("runs.csv", "second\n");
        assertEquals("second\n", out.readString("runs.csv"));
        Path local = Files.writeString(tmp.resolve("plot.png"), "png bytes");
        out.publishFile(local, "plots/plot.png");
        assertEquals("png bytes", Files.readString(root.resolve("plots/plot.png")));

        Path cell = tmp.resolve("scratch/a");
        Files.createDirectories(cell.resolve("adapter"));
        Files.writeString(cell.resolve("summary.json"), "{\"accuracy\": 50.0}");
        Files.writeString(cell.resolve("adapter/adapter_config.json"), "{}");
        assertTrue(out.publishDirectoryIfAbsent(cell, "cells/a"));
        Files.writeString(cell.resolve("summary.json"), "{\"accuracy\": 99.0}");
        assertFalse(out.publishDirectoryIfAbsent(cell, "cells/a"), "a second attempt finds the cell published");
        assertEquals("{\"accuracy\": 50.0}", out.readString("cells/a/summary.json"));
        assertEquals("{}", out.readString("cells/a/adapter/adapter_config.json"));
        assertEquals(List.of("a"), out.list("cells"));

        try (Stream<Path> all = Files.walk(root)) {
            List<String> names = all.map(p -> root.relativize(p).toString()).filter(n -> !n.isEmpty()).sorted().toList();
            assertEquals(List.of("cells", "cells/a", "cells/a/adapter", "cells/a/adapter/adapter_config.json", "cells/a/summary.json",
                    "plots", "plots/plot.png", "runs.csv"), names, "no temporary siblings, no .crc files");
        }
        assertThrows(SparkJobException.class, () -> out.writeString("../escape.txt", "x"));
        assertFalse(Files.exists(tmp.resolve("escape.txt")));
    }

    @Test
    void locationsTellLocalPathsFromHadoopUris() {
        assertTrue(SharedFolder.isLocal("/data/out"));
        assertTrue(SharedFolder.isLocal("out/sweep"));
        assertTrue(SharedFolder.isLocal("file:///data/out"));
        assertFalse(SharedFolder.isLocal("hdfs://namenode:8020/sweeps"));
        assertFalse(SharedFolder.isLocal("s3a://bucket/sweeps"));
        Configuration conf = new Configuration(false);
        conf.set("fs.defaultFS", "hdfs://nn:8020");
        assertEquals("hdfs://nn:8020", SharedFolder.location("hdfs://nn:8020/x", conf).hadoopSettings().get("fs.defaultFS"));
        assertEquals(0, SharedFolder.location("/tmp/x", conf).hadoopSettings().size(), "a local folder needs no Hadoop settings");
        assertTrue(SharedFolder.location("file:" + tmp, conf).open() instanceof LocalSharedFolder);
        SparkJobException e = assertThrows(SparkJobException.class, () -> SharedFolder.location(" ", conf));
        assertTrue(e.getMessage().startsWith("output folder: an empty path or URI"), e.getMessage());
    }
}
