package dev.mmpeft.serving;

import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.PeftModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Inference over one loaded base model with many adapters chosen per request: requests from any
 * thread are queued, gathered into batches (up to {@link ServingConfig#maxBatchSize()}, waiting at
 * most {@link ServingConfig#maxWait()}) and answered in one forward pass per batch, each row with its
 * own request's adapter; adapters load from their directories at run time, at most
 * {@link ServingConfig#maxResidentAdapters()} in memory, the least recently used unloaded first.
 * Why: this is how a JVM service serves many fine-tunes of one model (as S-LoRA and LoRAX do)
 * without one model copy per adapter and without one forward pass per request.
 *
 * <pre>{@code
 * try (ServingEngine engine = ServingEngine.builder().model(blip).processor(processor)
 *         .baseModelName("Salesforce/instructblip-flan-t5-xl").build()) {
 *     engine.loadAdapter("sqa", Path.of("adapters/sqa-r2"));
 *     ServingResult r = engine.submit(ServingRequest.builder().adapter("sqa").prompt("What is shown?")
 *             .image(RgbImage.read(photo)).build()).get();
 * }
 * }</pre>
 *
 * <p>Thread-safe: every method may be called from any thread. One worker thread owns the model,
 * the processor and the adapters (DJL's blocks and arrays are not thread-safe); do not use the model
 * or processor you pass in elsewhere while the engine is open. The base weights are never written:
 * adapters live on a twin of the model that shares its arrays, and nothing is merged.
 */
public final class ServingEngine implements AutoCloseable {
    private final String baseModelName;
    private final ServingConfig config;
    private final ServingMetrics metrics = new ServingMetrics();
    private final BlockingQueue<Pending> queue;
    private final PeftModel<InstructBlip> peft;
    private final AdapterRegistry registry;
    private final BatchWorker worker;
    private final Thread workerThread;
    private final ScheduledThreadPoolExecutor timeouts;
    private volatile boolean closed;

    private ServingEngine(InstructBlip model, InstructBlipProcessor processor, String baseModelName, ServingConfig config) {
        this.baseModelName = baseModelName;
        this.config = config;
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.peft = PeftModel.withoutAdapters(Adaptables.instructBlip(model, processor, baseModelName));
        peft.setTraining(false);
        this.registry = new AdapterRegistry(peft, baseModelName, config.maxResidentAdapters(), metrics);
        this.worker = new BatchWorker(queue, new BatchRunner(peft, processor, registry, config, metrics), config, metrics);
        this.workerThread = new Thread(worker, "mmpeft-serving-worker");
        this.timeouts = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "mmpeft-serving-timeouts");
            t.setDaemon(true);
            return t;
        });
        timeouts.setRemoveOnCancelPolicy(true);
        workerThread.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The base model's id (what adapters' {@code base_model_name_or_path} must name). */
    public String baseModelName() {
        return baseModelName;
    }

    public ServingConfig config() {
        return config;
    }

    /** What the engine has done so far (live counters). */
    public ServingMetrics metrics() {
        return metrics;
    }

    /**
     * Queues a request. The future completes with the answer, or exceptionally with a
     * {@link ServingException} (unknown adapter, a limit exceeded, the queue full, the timeout
     * reached); cancelling it drops the request if it has not started (a running batch finishes,
     * and its answer is discarded).
     */
    public CompletableFuture<ServingResult> submit(ServingRequest request) {
        CompletableFuture<ServingResult> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new ServingException(ServingException.Reason.SHUTDOWN, "the engine is closed"));
            return future;
        }
        Duration timeout = request.timeout().orElse(config.requestTimeout());
        long now = System.nanoTime();
        Pending p = new Pending(request, future, now);
        if (!queue.offer(p)) {
            metrics.request(ServingMetrics.Outcome.QUEUE_FULL, 0);
            future.completeExceptionally(new ServingException(ServingException.Reason.QUEUE_FULL, "the queue is full ("
                    + config.queueCapacity() + " requests waiting, queue_capacity); retry later"));
            return future;
        }
        metrics.queued(1);
        ScheduledFuture<?> timer = timeouts.schedule(() -> {
            if (future.completeExceptionally(new ServingException(ServingException.Reason.TIMEOUT, "no answer within "
                    + timeout.toMillis() + " ms (the request's timeout)"))) {
                metrics.request(ServingMetrics.Outcome.TIMEOUT, timeout.toNanos() / 1e9);
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        future.whenComplete((r, e) -> {
            timer.cancel(false);
            // a request that timed out or was cancelled while waiting gives its queue place back at
            // once, instead of holding it (and refusing others) until the worker reaches it
            if (e != null && queue.remove(p)) {
                metrics.queued(-1);
            }
        });
        return future;
    }

    /**
     * Submits a request and waits for its answer.
     *
     * @throws ServingException as {@link #submit} completes it
     */
    public ServingResult answer(ServingRequest request) throws InterruptedException {
        return await(submit(request));
    }

    /**
     * Registers the adapter in {@code dir} under {@code name} and loads it now (evicting the least
     * recently used one if the bound is reached).
     *
     * @throws ServingException when the name is taken or malformed, the files are not an adapter, or
     *     the adapter was made for another base model (its id or tensor shapes differ)
     */
    public AdapterInfo loadAdapter(String name, Path dir) throws InterruptedException {
        return onWorker(() -> {
            registry.register(name, dir);
            registry.ensureResident(name, List.of(name));
            return registry.list().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
        });
    }

    /**
     * Registers the adapter in {@code dir} under {@code name} without loading it: it loads on its
     * first request. Its config is checked now.
     *
     * @throws ServingException as {@link #loadAdapter} (except for tensor shapes, checked at load)
     */
    public void registerAdapter(String name, Path dir) throws InterruptedException {
        onWorker(() -> {
            registry.register(name, dir);
            return null;
        });
    }

    /** Unregisters an adapter and frees its arrays (its files are untouched); false when there was none. */
    public boolean unloadAdapter(String name) throws InterruptedException {
        return onWorker(() -> registry.unload(name));
    }

    /** Every registered adapter by name, with whether it is in memory. */
    public List<AdapterInfo> adapters() {
        return registry.list();
    }

    private <T> T onWorker(Supplier<T> operation) throws InterruptedException {
        if (closed) {
            throw new ServingException(ServingException.Reason.SHUTDOWN, "the engine is closed");
        }
        FutureTask<T> task = new FutureTask<>(operation::get);
        if (Thread.currentThread() == workerThread) {
            task.run();
        } else {
            worker.submitControl(task);
        }
        return await(task);
    }

    private static <T> T await(java.util.concurrent.Future<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new ServingException(ServingException.Reason.INTERNAL, String.valueOf(cause), cause);
        }
    }

    /**
     * Stops taking requests, fails those still waiting ({@link ServingException.Reason#SHUTDOWN}),
     * lets the running batch finish, and frees the adapters. The base model and processor stay
     * open: they are the caller's.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        worker.stop();
        try {
            workerThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timeouts.shutdownNow();
        peft.close();
    }

    /** Builds a {@link ServingEngine}; model, processor and base model name are required. */
    public static final class Builder {
        private @Nullable InstructBlip model;
        private @Nullable InstructBlipProcessor processor;
        private @Nullable String baseModelName;
        private ServingConfig config = ServingConfig.builder().build();

        private Builder() {}

        /** The base model (loaded once; shared by every adapter). */
        public Builder model(InstructBlip value) {
            this.model = value;
            return this;
        }

        /** The model's processor (image processor and tokenizers). */
        public Builder processor(InstructBlipProcessor value) {
            this.processor = value;
            return this;
        }

        /** The base model's id, as adapters name it in {@code base_model_name_or_path}. */
        public Builder baseModelName(String value) {
            this.baseModelName = value;
            return this;
        }

        public Builder config(ServingConfig value) {
            this.config = value;
            return this;
        }

        /** Starts the engine's worker thread. */
        public ServingEngine build() {
            return new ServingEngine(Objects.requireNonNull(model, "model"), Objects.requireNonNull(processor, "processor"),
                    Objects.requireNonNull(baseModelName, "baseModelName"), config);
        }
    }
}
