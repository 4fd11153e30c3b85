package dev.mmpeft.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An output folder claimed by the run that writes it: a lock file ({@value #FILE_NAME}) holding
 * the process id, held with an operating-system file lock for as long as the run lasts. Why: two
 * runs writing one folder (two sweeps started by mistake) interleave their checkpoints and tables
 * silently; the second must stop at once, saying which process holds the folder.
 *
 * <pre>{@code
 * try (OutputLock lock = OutputLock.acquire(out)) {
 *     ... write into out ...
 * }
 * }</pre>
 *
 * <p>A folder is in use when another process holds the file lock, or when the file names a
 * process that is still alive (the same process id and start time). A lock file left by a process
 * that died is taken over. The same thread may acquire a folder it already holds (a quickstart
 * runs an experiment into its own folder); another thread of the same process may not.
 */
public final class OutputLock implements AutoCloseable {
    /** The lock file's name inside the folder. */
    public static final String FILE_NAME = ".mmpeft.lock";

    /** Folders this process holds, with the thread and how many times it acquired them. */
    private static final Map<Path, Holder> HELD = new HashMap<>();

    private final Path dir;
    private boolean released;

    private static final class Holder {
        final Thread thread;
        final FileChannel channel;
        final FileLock lock;
        int count = 1;

        Holder(Thread thread, FileChannel channel, FileLock lock) {
            this.thread = thread;
            this.channel = channel;
            this.lock = lock;
        }
    }

    private OutputLock(Path dir) {
        this.dir = dir;
    }

    /**
     * Creates {@code dir} if needed and claims it for this run.
     *
     * @throws OutputInUseException when another live process (or another thread of this one) holds it
     * @throws IOException when the lock file cannot be created or written
     */
    public static OutputLock acquire(Path dir) throws IOException {
        Path key = dir.toAbsolutePath().normalize();
        Files.createDirectories(key);
        synchronized (HELD) {
            Holder held = HELD.get(key);
            if (held != null) {
                if (held.thread != Thread.currentThread()) {
                    throw new OutputInUseException(key + " is in use by another run in this process (thread '"
                            + held.thread.getName() + "'); wait for it to finish or choose another output folder");
                }
                held.count++;
                return new OutputLock(key);
            }
            Path file = key.resolve(FILE_NAME);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            try {
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    throw inUse(key, file, Files.readString(file, StandardCharsets.UTF_8));
                }
                String previous = read(channel);
                Optional<Owner> owner = Owner.parse(previous);
                if (owner.isPresent() && owner.get().pid() != ProcessHandle.current().pid() && owner.get().alive()) {
                    lock.release();
                    throw inUse(key, file, previous);
                }
                // free, or left by a process that died: take it over
                byte[] content = Owner.current().text().getBytes(StandardCharsets.UTF_8);
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(content), 0);
                channel.force(true);
                HELD.put(key, new Holder(Thread.currentThread(), channel, lock));
                return new OutputLock(key);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
    }

    /** The folder this lock holds. */
    public Path directory() {
        return dir;
    }

    /** Releases the folder (the last release of a thread that acquired it several times removes the lock file). */
    @Override
    public void close() throws IOException {
        synchronized (HELD) {
            if (released) {
                return;
            }
            released = true;
            Holder held = HELD.get(dir);
            if (held == null || --held.count > 0) {
                return;
            }
            HELD.remove(dir);
            try {
                Files.deleteIfExists(dir.resolve(FILE_NAME));
            } finally {
                held.lock.release();
                held.channel.close();
            }
        }
    }

    private static String read(FileChannel channel) throws IOException {
        long size = Math.min(channel.size(), 4096);
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        channel.read(buf, 0);
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    }

    private static OutputInUseException inUse(Path dir, Path file, String content) {
        String who = Owner.parse(content).map(o -> "process " + o.pid() + o.startedText()).orElse("another process");
        return new OutputInUseException(dir + " is in use by another run (" + who + ", lock file " + file
                + "); wait for it to finish or choose another output folder");
    }

    /** The process a lock file names: {@code pid=...} and, where the platform tells, {@code started=...}. */
    record Owner(long pid, Optional<Instant> started) {
        static Owner current() {
            ProcessHandle self = ProcessHandle.current();
            return new Owner(self.pid(), self.info().startInstant());
        }

        String text() {
            return "pid=" + pid + "\n" + started.map(s -> "started=" + s + "\n").orElse("");
        }

        String startedText() {
            return started.map(s -> " started " + s).orElse("");
        }

        /** Whether that process still runs (a reused id with another start time is a different process). */
        boolean alive() {
            Optional<ProcessHandle> p = ProcessHandle.of(pid);
            if (p.isEmpty() || !p.get().isAlive()) {
                return false;
            }
            Optional<Instant> actual = p.get().info().startInstant();
            return started.isEmpty() || actual.isEmpty() || started.get().equals(actual.get());
        }

        static Optional<Owner> parse(String text) {
            Long pid = null;
            Instant started = null;
            for (String line : text.split("\n")) {
                String[] kv = line.strip().split("=", 2);
                try {
                    if (kv.length == 2 && kv[0].equals("pid")) {
                        pid = Long.parseLong(kv[1].strip());
                    } else if (kv.length == 2 && kv[0].equals("started")) {
                        started = Instant.parse(kv[1].strip());
                    }
                } catch (RuntimeException e) {
                    return Optional.empty(); // unreadable: nobody can be shown to hold it
                }
            }
            return pid == null ? Optional.empty() : Optional.of(new Owner(pid, Optional.ofNullable(started)));
        }
    }
}
