package dev.mmpeft.serving;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that owns the model (DJL's blocks and arrays are not thread-safe): it runs adapter
 * loads and unloads in arrival order between batches, and gathers each batch from the queue, the
 * oldest request first, then every compatible request that arrives within the batch's wait time,
 * up to the batch size. Requests it cannot put in the current batch wait, in order, for the next.
 */
final class BatchWorker implements Runnable {
    private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final BlockingQueue<Pending> queue;
    private final ConcurrentLinkedQueue<FutureTask<?>> control = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<Pending> backlog = new ArrayDeque<>();
    private final BatchRunner runner;
    private final ServingConfig config;
    private final ServingMetrics metrics;
    private volatile boolean running = true;

    BatchWorker(BlockingQueue<Pending> queue, BatchRunner runner, ServingConfig config, ServingMetrics metrics) {
        this.queue = queue;
        this.runner = runner;
        this.config = config;
        this.metrics = metrics;
    }

    /** Queues an operation on the model; it runs on this worker between batches. */
    void submitControl(FutureTask<?> task) {
        control.add(task);
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        try {
            while (running) {
                runControl();
                Pending head = next(IDLE_POLL_NANOS);
                if (head != null) {
                    List<Pending> batch = gather(head);
                    try {
                        runner.run(batch);
                    } catch (RuntimeException e) {
                        // the worker must outlive any failure: fail this batch, keep serving
                        batch.forEach(p -> runner.fail(p, new ServingException(ServingException.Reason.INTERNAL,
                                "the engine failed on this batch: " + e, e)));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            shutdown();
        }
    }

    private void runControl() {
        FutureTask<?> task;
        while ((task = control.poll()) != null) {
            task.run();
        }
    }

    /** The oldest waiting request that is still wanted, or null after {@code waitNanos}. */
    private Pending next(long waitNanos) throws InterruptedException {
        Pending p = backlog.poll();
        if (p == null) {
            p = queue.poll(waitNanos, TimeUnit.NANOSECONDS);
            if (p != null) {
                metrics.queued(-1);
            }
        }
        if (p != null && p.done()) {
            countCancelled(p);
            return null;
        }
        return p;
    }

    private List<Pending> gather(Pending head) throws InterruptedException {
        List<Pending> batch = new ArrayList<>();
        batch.add(head);
        Set<Optional<String>> adapters = new HashSet<>();
        adapters.add(head.adapter());
        for (Iterator<Pending> it = backlog.iterator(); it.hasNext() && batch.size() < config.maxBatchSize(); ) {
            Pending p = it.next();
            if (p.done() || fits(p, head, adapters)) {
                it.remove();
                take(p, batch, adapters);
            }
        }
        long deadline = System.nanoTime() + config.maxWait().toNanos();
        while (batch.size() < config.maxBatchSize()) {
            Pending p = queue.poll();
            if (p == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || (p = queue.poll(left, TimeUnit.NANOSECONDS)) == null) {
                    break;
                }
            }
            metrics.queued(-1);
            if (p.done() || fits(p, head, adapters)) {
                take(p, batch, adapters);
            } else {
                backlog.add(p);
            }
        }
        return batch;
    }

    private void take(Pending p, List<Pending> batch, Set<Optional<String>> adapters) {
        if (p.done()) {
            countCancelled(p);
            return;
        }
        batch.add(p);
        adapters.add(p.adapter());
    }

    /** Same kind of work, and the batch's distinct adapters still fit in memory together. */
    private boolean fits(Pending p, Pending head, Set<Optional<String>> adapters) {
        if (!p.key.equals(head.key)) {
            return false;
        }
        long named = adapters.stream().filter(Optional::isPresent).count();
        return adapters.contains(p.adapter()) || p.adapter().isEmpty() || named < config.maxResidentAdapters();
    }

    private void countCancelled(Pending p) {
        if (p.future.isCancelled()) {
            metrics.request(ServingMetrics.Outcome.CANCELLED, 0);
        }
    }

    /** Fails every request still waiting and runs (or fails) pending operations. */
    private void shutdown() {
        List<Pending> left = new ArrayList<>(backlog);
        backlog.clear();
        metrics.queued(-queue.drainTo(left));
        for (Pending p : left) {
            runner.fail(p, new ServingException(ServingException.Reason.SHUTDOWN, "the engine shut down before answering"));
        }
        runControl();
    }
}
