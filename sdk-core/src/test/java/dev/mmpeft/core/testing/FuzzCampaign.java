package dev.mmpeft.core.testing;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a reader against thousands of mutated inputs and fails on the first outcome that is neither
 * a successful read nor one of the reader's typed exceptions naming the input file (and the
 * mutated field, where the case names one). Shared by every module's fuzz tests so each reader is
 * held to the same rule.
 *
 * <p>Reproducible: case {@code i} draws from {@code new Random(caseSeed(seed, i))}, and a failure
 * prints the campaign seed, the case, its seed and the mutation. Each read runs on a worker thread
 * with a time limit, so a hang fails the test fast instead of blocking the build.
 */
public final class FuzzCampaign {
    /** Builds one case's input (writing files as needed) and returns how to read it. */
    @FunctionalInterface
    public interface CaseFactory {
        Read prepare(Random random, Mutation mutation) throws Exception;
    }

    /** Reads the mutated input the way a user of the SDK would. */
    @FunctionalInterface
    public interface Read {
        void run() throws Exception;
    }

    /**
     * Throwables that are never an acceptable cause of a typed error either: a typed exception
     * that merely wraps one of these hides a reader bug.
     */
    private static final List<Class<? extends Throwable>> BUGS = List.of(
            NullPointerException.class,
            ClassCastException.class,
            IndexOutOfBoundsException.class,
            ArithmeticException.class,
            NegativeArraySizeException.class,
            ArrayStoreException.class,
            java.nio.file.InvalidPathException.class,
            java.nio.BufferUnderflowException.class,
            java.nio.BufferOverflowException.class,
            Error.class);

    /** {@code -Dfuzz.showAccepted=true} lists what each campaign accepted, to look for what it should not. */
    private static final boolean SHOW_ACCEPTED = Boolean.getBoolean("fuzz.showAccepted");

    /**
     * {@code -Dfuzz.trace=FILE} writes each case to FILE before reading it: when a native library
     * aborts the JVM (a Rust panic across JNI), FILE names the case that did it.
     */
    private static final String TRACE = System.getProperty("fuzz.trace");

    private final String reader;
    private final long seed;
    private final int cases;
    private final List<Class<? extends Throwable>> typed = new ArrayList<>();
    private Duration timeout = Duration.ofSeconds(20);
    private boolean requireField;

    private FuzzCampaign(String reader, long seed, int cases) {
        this.reader = reader;
        this.seed = seed;
        this.cases = cases;
    }

    /** A campaign of {@code cases} mutated inputs for {@code reader} (a name for messages). */
    public static FuzzCampaign of(String reader, long seed, int cases) {
        return new FuzzCampaign(reader, seed, cases);
    }

    /** The exception types the reader is documented to throw on bad input. */
    @SafeVarargs
    public final FuzzCampaign typed(Class<? extends Throwable>... types) {
        typed.addAll(List.of(types));
        return this;
    }

    /**
     * The longest one read may take. Generous, since CI machines are shared; the point is that
     * a hang fails instead of blocking.
     */
    public FuzzCampaign timeout(Duration limit) {
        this.timeout = limit;
        return this;
    }

    /**
     * Requires a typed error to name the field a case touched ({@link Mutation#touched()}): for
     * readers whose errors name fields (configs, dataset records).
     */
    public FuzzCampaign requireFieldNames() {
        this.requireField = true;
        return this;
    }

    /**
     * Writes a case's file as a new file (deleting the old one first): truncating or renaming over
     * an existing file makes ext4 flush it to disk, which makes thousands of cases slow.
     */
    public static void writeFresh(Path file, byte[] bytes) throws IOException {
        Files.deleteIfExists(file);
        Files.write(file, bytes);
    }

    /** {@link #writeFresh(Path, byte[])} of text as UTF-8. */
    public static void writeFresh(Path file, String text) throws IOException {
        writeFresh(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The seed of case {@code index}: replay one case with {@code new Random(caseSeed(seed, index))}. */
    public static long caseSeed(long seed, int index) {
        return seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 1;
    }

    /**
     * Runs every case.
     *
     * @throws AssertionError on the first case whose outcome breaks the rule
     */
    public Result run(CaseFactory factory) throws Exception {
        if (typed.isEmpty()) {
            throw new IllegalStateException("name the reader's typed exceptions with typed(...)");
        }
        Thread[] workerThread = new Thread[1];
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-" + reader);
            t.setDaemon(true);
            workerThread[0] = t;
            return t;
        });
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long mainCpuStart = threads.getCurrentThreadCpuTime();
        int accepted = 0;
        int rejected = 0;
        long start = System.nanoTime();
        try {
            for (int i = 0; i < cases; i++) {
                long caseSeed = caseSeed(seed, i);
                Mutation mutation = new Mutation();
                Read read = factory.prepare(new Random(caseSeed), mutation);
                if (TRACE != null) {
                    // written before the read: what was running when native code took the JVM down
                    Files.writeString(Path.of(TRACE), where(i, caseSeed, mutation) + "\n");
                }
                Throwable outcome = runBounded(worker, read, i, caseSeed, mutation);
                if (outcome == null) {
                    accepted++;
                    if (SHOW_ACCEPTED) {
                        System.out.println("accepted case " + i + ": " + mutation.describe());
                    }
                } else {
                    check(outcome, i, caseSeed, mutation);
                    rejected++;
                }
            }
        } finally {
            worker.shutdownNow();
        }
        // CPU time beside wall time: on a shared CI machine the wall time says little on its own
        long cpu = threads.getCurrentThreadCpuTime() - mainCpuStart
                + (workerThread[0] == null ? 0 : Math.max(0, threads.getThreadCpuTime(workerThread[0].getId())));
        Result result = new Result(reader, seed, cases, accepted, rejected, (System.nanoTime() - start) / 1_000_000,
                cpu / 1_000_000);
        System.out.println(result);
        return result;
    }

    private Throwable runBounded(ExecutorService worker, Read read, int index, long caseSeed, Mutation mutation)
            throws InterruptedException {
        Future<?> future = worker.submit(() -> {
            read.run();
            return null;
        });
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError(where(index, caseSeed, mutation) + " did not finish within " + timeout
                    + " (a hang)");
        }
    }

    private void check(Throwable outcome, int index, long caseSeed, Mutation mutation) {
        boolean isTyped = typed.stream().anyMatch(t -> t.isInstance(outcome));
        if (!isTyped) {
            throw new AssertionError(where(index, caseSeed, mutation) + " threw an untyped " + trace(outcome), outcome);
        }
        for (Throwable c = outcome.getCause(); c != null; c = c.getCause()) {
            Throwable cause = c;
            if (BUGS.stream().anyMatch(b -> b.isInstance(cause))) {
                throw new AssertionError(where(index, caseSeed, mutation) + " threw a typed exception that wraps a bug: "
                        + trace(outcome), outcome);
            }
        }
        String message = String.valueOf(outcome.getMessage());
        for (List<String> names : mutation.mustName()) {
            if (names.stream().noneMatch(message::contains)) {
                throw new AssertionError(where(index, caseSeed, mutation) + ": the message does not name '"
                        + String.join("' or '", names) + "': " + outcome, outcome);
            }
        }
        if (requireField && !mutation.touched().isEmpty() && !message.contains(mutation.touched())) {
            throw new AssertionError(where(index, caseSeed, mutation) + ": the message does not name the field '"
                    + mutation.touched() + "': " + outcome, outcome);
        }
    }

    private String where(int index, long caseSeed, Mutation mutation) {
        return reader + " fuzz case " + index + " (campaign seed " + seed + ", case seed " + caseSeed + "; "
                + mutation.describe() + ")";
    }

    private static String trace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        String s = out.toString();
        return s.length() > 4000 ? s.substring(0, 4000) + "..." : s;
    }

    /** What one campaign saw: every case was accepted or rejected with a typed, named error. */
    public record Result(String reader, long seed, int cases, int accepted, int rejected, long millis, long cpuMillis) {
        @Override
        public String toString() {
            return "fuzz " + reader + " (seed " + seed + "): " + cases + " cases, " + accepted + " accepted, "
                    + rejected + " rejected with a typed error, 0 untyped, " + millis + " ms (" + cpuMillis + " ms CPU)";
        }
    }
}
