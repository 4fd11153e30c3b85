package dev.mmpeft.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output folder is held by one run: a second process (or thread) is refused with its PID named,
 * a lock left by a dead process is taken over, the same thread may nest, and the lock file goes
 * when the run ends. Other processes are real ones ({@code sleep}, a second JVM).
 */
class OutputLockTest {
    @Test
    void holdsTheFolderWithItsPidAndRemovesTheFileAtTheEnd(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        try (OutputLock lock = OutputLock.acquire(out)) {
            String content = Files.readString(out.resolve(OutputLock.FILE_NAME));
            assertTrue(content.startsWith("pid=" + ProcessHandle.current().pid() + "\n"), content);
            try (OutputLock nested = OutputLock.acquire(out)) { // a quickstart runs its experiment in its own folder
                assertEquals(lock.directory(), nested.directory());
            }
            assertTrue(Files.exists(out.resolve(OutputLock.FILE_NAME)), "the outer hold continues");
            // another thread of this process is another run
            OutputInUseException other = CompletableFuture.supplyAsync(() -> assertThrows(OutputInUseException.class,
                    () -> OutputLock.acquire(out))).get(30, TimeUnit.SECONDS);
            assertTrue(other.getMessage().contains("in use by another run in this process"), other.getMessage());
        }
        assertFalse(Files.exists(out.resolve(OutputLock.FILE_NAME)));
        OutputLock.acquire(out).close(); // free again
    }

    @Test
    void aLiveProcessNamedInTheFileHoldsTheFolderAndADeadOneDoesNot(@TempDir Path tmp) throws Exception {
        Path out = Files.createDirectories(tmp.resolve("run"));
        Process sleeper = new ProcessBuilder("sleep", "300").start();
        try {
            Files.writeString(out.resolve(OutputLock.FILE_NAME), "pid=" + sleeper.pid() + "\nstarted="
                    + sleeper.info().startInstant().orElseThrow() + "\n");
            OutputInUseException e = assertThrows(OutputInUseException.class, () -> OutputLock.acquire(out));
            assertEquals(out + " is in use by another run (process " + sleeper.pid() + " started "
                    + sleeper.info().startInstant().orElseThrow() + ", lock file " + out.resolve(OutputLock.FILE_NAME)
                    + "); wait for it to finish or choose another output folder", e.getMessage());
        } finally {
            sleeper.destroy();
            sleeper.waitFor(10, TimeUnit.SECONDS);
        }
        // the same file, its process gone: a stale lock, taken over
        try (OutputLock lock = OutputLock.acquire(out)) {
            assertTrue(Files.readString(out.resolve(OutputLock.FILE_NAME)).startsWith("pid=" + ProcessHandle.current().pid()));
        }
        // a reused id with another start time is not the process that wrote the lock
        Files.writeString(out.resolve(OutputLock.FILE_NAME), "pid=" + ProcessHandle.current().pid() + "\nstarted=2001-01-01T00:00:00Z\n");
        OutputLock.acquire(out).close();
    }

    @Test
    void anotherJvmHoldingTheFolderIsRefusedUntilItEnds(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        Path ready = tmp.resolve("ready");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process other = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), HoldFolder.class.getName(),
                out.toString(), ready.toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("other.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(ready) && other.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(ready), "the other JVM did not take the lock: " + Files.readString(tmp.resolve("other.log")));
            OutputInUseException e = assertThrows(OutputInUseException.class, () -> OutputLock.acquire(out));
            assertTrue(e.getMessage().contains("(process " + other.pid()), e.getMessage());
        } finally {
            other.destroyForcibly();
            other.waitFor(30, TimeUnit.SECONDS);
        }
        // killed with SIGKILL: its file stays, its OS lock and its process are gone
        assertTrue(Files.exists(out.resolve(OutputLock.FILE_NAME)));
        OutputLock.acquire(out).close();
    }

    /** The other JVM: holds a folder until it is killed. */
    public static final class HoldFolder {
        public static void main(String[] args) throws Exception {
            OutputLock.acquire(Path.of(args[0]));
            Files.writeString(Path.of(args[1]), "ok");
            Thread.sleep(300_000);
        }
    }
}
