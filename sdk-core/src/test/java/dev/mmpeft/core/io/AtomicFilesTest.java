package dev.mmpeft.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesReplaceWholeFilesAndCreateFolders(@TempDir Path tmp) throws Exception {
        Path target = tmp.resolve("a/b/report.json");
        AtomicFiles.writeString(target, "{\"v\": 1}");
        assertEquals("{\"v\": 1}", Files.readString(target));
        AtomicFiles.writeBytes(target, new byte[] {1, 2, 3});
        assertEquals(3, Files.size(target));
        AtomicFiles.writeChannel(target, ch -> ch.write(ByteBuffer.wrap("via channel".getBytes(StandardCharsets.UTF_8))));
        assertEquals("via channel", Files.readString(target));
        assertEquals(List.of("report.json"), names(target.getParent()));
    }

    @Test
    void aFailingWriterLeavesTheOldFileAndNoTemporary(@TempDir Path tmp) throws Exception {
        Path target = tmp.resolve("model.bin");
        AtomicFiles.writeString(target, "previous");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeChannel(target, ch -> {
            ch.write(ByteBuffer.wrap(new byte[1 << 16]));
            throw new IOException("crash after 64 KiB");
        }));
        assertEquals("crash after 64 KiB", e.getMessage());
        assertEquals("previous", Files.readString(target));
        assertEquals(List.of("model.bin"), names(tmp));

        // unchecked failures too
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, out -> {
            out.write(7);
            throw new IllegalStateException("bug");
        }));
        assertEquals("previous", Files.readString(target));
        assertEquals(List.of("model.bin"), names(tmp));
    }

    @Test
    void foldersAppearCompleteOrNotAtAll(@TempDir Path tmp) throws Exception {
        Path adapter = tmp.resolve("adapter");
        AtomicFiles.writeDirectory(adapter, dir -> {
            Files.writeString(dir.resolve("adapter_config.json"), "{}");
            Files.writeString(dir.resolve("weights"), "v1");
        });
        assertEquals(List.of("adapter_config.json", "weights"), names(adapter));

        assertThrows(IOException.class, () -> AtomicFiles.writeDirectory(adapter, dir -> {
            Files.writeString(dir.resolve("weights"), "half of v2");
            throw new IOException("killed");
        }));
        assertEquals("v1", Files.readString(adapter.resolve("weights")));
        assertEquals(List.of("adapter"), names(tmp));

        AtomicFiles.writeDirectory(adapter, dir -> Files.writeString(dir.resolve("weights"), "v2"));
        assertEquals(List.of("weights"), names(adapter));
        assertEquals("v2", Files.readString(adapter.resolve("weights")));
        assertEquals(List.of("adapter"), names(tmp));
    }

    @Test
    void deleteRecursivelyRemovesTreesAndIgnoresMissingPaths(@TempDir Path tmp) throws Exception {
        Path tree = tmp.resolve("tree");
        Files.createDirectories(tree.resolve("x/y"));
        Files.writeString(tree.resolve("x/y/z.txt"), "z");
        AtomicFiles.deleteRecursively(tree);
        assertFalse(Files.exists(tree));
        AtomicFiles.deleteRecursively(tmp.resolve("never-was"));
        assertTrue(Files.isDirectory(tmp));
    }

    private static String permissions(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void newFilesAndFoldersGetUsualPermissionsAndReplacementsKeepTheOldOnes(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"),
                "needs a file system with POSIX permissions: this one has none");
        // Files.createTempFile alone would give rw------- and Files.createTempDirectory rwx------
        Path report = tmp.resolve("reports/result.json");
        AtomicFiles.writeString(report, "{}");
        assertEquals("rw-r--r--", permissions(report));
        AtomicFiles.writeChannel(tmp.resolve("model.safetensors"), ch -> ch.write(ByteBuffer.wrap(new byte[8])));
        assertEquals("rw-r--r--", permissions(tmp.resolve("model.safetensors")));

        Files.setPosixFilePermissions(report, PosixFilePermissions.fromString("rw-rw----"));
        AtomicFiles.writeString(report, "{\"v\": 2}");
        assertEquals("rw-rw----", permissions(report));
        assertEquals("{\"v\": 2}", Files.readString(report));

        Path adapter = tmp.resolve("adapter");
        AtomicFiles.writeDirectory(adapter, dir -> AtomicFiles.writeString(dir.resolve("adapter_config.json"), "{}"));
        assertEquals("rwxr-xr-x", permissions(adapter));
        assertEquals("rw-r--r--", permissions(adapter.resolve("adapter_config.json")));

        Files.setPosixFilePermissions(adapter, PosixFilePermissions.fromString("rwxrwx---"));
        AtomicFiles.writeDirectory(adapter, dir -> Files.writeString(dir.resolve("weights"), "v2"));
        assertEquals("rwxrwx---", permissions(adapter));
        assertEquals(List.of("weights"), names(adapter));
    }

    @Test
    void aKilledWritesLeftoversGoWithTheNextWriteAndAHalfReplacedFolderComesBack(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("report.json");
        AtomicFiles.writeString(target, "v1");
        // what a SIGKILL in the middle of writes leaves: temporary siblings of the file and of a folder
        Path staleFile = Files.writeString(dir.resolve(".report.json.12345.tmp"), "half");
        Path staleDir = Files.createDirectories(dir.resolve(".best.-987"));
        Path unrelated = Files.writeString(dir.resolve(".report.json.notes"), "keep");
        AtomicFiles.writeString(target, "v2");
        assertEquals("v2", Files.readString(target));
        assertFalse(Files.exists(staleFile), "stale temporary file");
        assertTrue(Files.exists(unrelated), "a file that is not a temporary of ours stays");
        // killed between the two renames of a folder replacement: only the .old sibling is there
        Path best = dir.resolve("best");
        Files.createDirectories(dir.resolve(".best.old"));
        Files.writeString(dir.resolve(".best.old/adapter.json"), "previous");
        assertTrue(AtomicFiles.recoverDirectory(best));
        assertEquals("previous", Files.readString(best.resolve("adapter.json")));
        assertFalse(AtomicFiles.recoverDirectory(best), "nothing to recover the second time");
        AtomicFiles.writeDirectory(best, tmp -> Files.writeString(tmp.resolve("adapter.json"), "next"));
        assertEquals("next", Files.readString(best.resolve("adapter.json")));
        assertFalse(Files.exists(staleDir), "stale temporary folder");
    }
}
