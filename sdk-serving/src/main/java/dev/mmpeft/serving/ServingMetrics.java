package dev.mmpeft.serving;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link ServingEngine} has done: requests by outcome, a latency histogram, batch sizes,
 * adapters in memory, loads and evictions; safe to read from any thread while the engine runs.
 * Why in the SDK: every service over the engine wants the same numbers, and
 * {@link #prometheusText()} renders them in the Prometheus text format a scraper reads.
 */
public final class ServingMetrics {
    /** Upper bounds (seconds) of the latency histogram's buckets, Prometheus' default buckets. */
    public static final double[] LATENCY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    /** Upper bounds of the batch-size histogram's buckets. */
    public static final int[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64};

    /** How a request ended. */
    public enum Outcome {
        /** Answered. */
        OK,
        /** Refused or failed for its own content (4xx). */
        REJECTED,
        /** Refused because the queue was full. */
        QUEUE_FULL,
        /** Ran past its timeout. */
        TIMEOUT,
        /** Cancelled by its caller. */
        CANCELLED,
        /** Failed in the engine. */
        ERROR
    }

    private final Map<Outcome, LongAdder> requests = new EnumMap<>(Outcome.class);
    private final AtomicLongArray latency = new AtomicLongArray(LATENCY_BUCKETS.length + 1);
    private final DoubleAdder latencySum = new DoubleAdder();
    private final AtomicLongArray batches = new AtomicLongArray(BATCH_BUCKETS.length + 1);
    private final LongAdder batchRows = new LongAdder();
    private final LongAdder loads = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final AtomicInteger resident = new AtomicInteger();
    private final AtomicInteger registered = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();

    ServingMetrics() {
        for (Outcome o : Outcome.values()) {
            requests.put(o, new LongAdder());
        }
    }

    void request(Outcome outcome, double seconds) {
        requests.get(outcome).increment();
        if (outcome == Outcome.OK) {
            latency.incrementAndGet(bucket(LATENCY_BUCKETS, seconds));
            latencySum.add(seconds);
        }
    }

    void batch(int size) {
        int b = BATCH_BUCKETS.length;
        for (int i = 0; i < BATCH_BUCKETS.length; i++) {
            if (size <= BATCH_BUCKETS[i]) {
                b = i;
                break;
            }
        }
        batches.incrementAndGet(b);
        batchRows.add(size);
    }

    void loaded() {
        loads.increment();
    }

    void evicted() {
        evictions.increment();
    }

    void adapters(int residentNow, int registeredNow) {
        resident.set(residentNow);
        registered.set(registeredNow);
    }

    void queued(int delta) {
        queued.addAndGet(delta);
    }

    private static int bucket(double[] bounds, double value) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                return i;
            }
        }
        return bounds.length;
    }

    /** Requests that ended with {@code outcome}. */
    public long requests(Outcome outcome) {
        return requests.get(outcome).sum();
    }

    /** Batches run. */
    public long batches() {
        long n = 0;
        for (int i = 0; i < batches.length(); i++) {
            n += batches.get(i);
        }
        return n;
    }

    /** The mean number of requests per batch (0 before the first batch). */
    public double meanBatchSize() {
        long n = batches();
        return n == 0 ? 0 : batchRows.sum() / (double) n;
    }

    /** Adapter loads from disk (first loads and reloads after eviction). */
    public long adapterLoads() {
        return loads.sum();
    }

    /** Adapters unloaded to make room. */
    public long evictions() {
        return evictions.sum();
    }

    /** Adapters in memory now. */
    public int residentAdapters() {
        return resident.get();
    }

    /** Adapters registered now. */
    public int registeredAdapters() {
        return registered.get();
    }

    /** Requests waiting now. */
    public int queueDepth() {
        return queued.get();
    }

    /** Every metric in the Prometheus text exposition format (version 0.0.4), names prefixed {@code mmpeft_}. */
    public String prometheusText() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP mmpeft_requests_total Requests by outcome.\n# TYPE mmpeft_requests_total counter\n");
        for (Outcome o : Outcome.values()) {
            sb.append("mmpeft_requests_total{outcome=\"").append(o.name().toLowerCase(Locale.ROOT)).append("\"} ")
                    .append(requests(o)).append('\n');
        }
        sb.append("# HELP mmpeft_request_duration_seconds Latency of answered requests, submission to answer.\n");
        sb.append("# TYPE mmpeft_request_duration_seconds histogram\n");
        long cumulative = 0;
        for (int i = 0; i <= LATENCY_BUCKETS.length; i++) {
            cumulative += latency.get(i);
            String le = i < LATENCY_BUCKETS.length ? number(LATENCY_BUCKETS[i]) : "+Inf";
            sb.append("mmpeft_request_duration_seconds_bucket{le=\"").append(le).append("\"} ").append(cumulative).append('\n');
        }
        sb.append("mmpeft_request_duration_seconds_sum ").append(number(latencySum.sum())).append('\n');
        sb.append("mmpeft_request_duration_seconds_count ").append(cumulative).append('\n');
        sb.append("# HELP mmpeft_batch_size Requests per forward pass.\n# TYPE mmpeft_batch_size histogram\n");
        cumulative = 0;
        for (int i = 0; i <= BATCH_BUCKETS.length; i++) {
            cumulative += batches.get(i);
            String le = i < BATCH_BUCKETS.length ? Integer.toString(BATCH_BUCKETS[i]) : "+Inf";
            sb.append("mmpeft_batch_size_bucket{le=\"").append(le).append("\"} ").append(cumulative).append('\n');
        }
        sb.append("mmpeft_batch_size_sum ").append(batchRows.sum()).append('\n');
        sb.append("mmpeft_batch_size_count ").append(cumulative).append('\n');
        gauge(sb, "mmpeft_adapters_resident", "Adapters in memory.", resident.get());
        gauge(sb, "mmpeft_adapters_registered", "Adapters registered (in memory or loadable).", registered.get());
        gauge(sb, "mmpeft_queue_depth", "Requests waiting.", queued.get());
        counter(sb, "mmpeft_adapter_loads_total", "Adapter loads from disk.", loads.sum());
        counter(sb, "mmpeft_adapter_evictions_total", "Adapters unloaded to make room (least recently used).", evictions.sum());
        return sb.toString();
    }

    private static void gauge(StringBuilder sb, String name, String help, long value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static void counter(StringBuilder sb, String name, String help, long value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%.1f", v) : Double.toString(v);
    }
}
