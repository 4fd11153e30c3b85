package dev.mmpeft.spark.internal;

import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.spark.SparkJobException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one executor JVM: each base model (and each base + adapter pair) is loaded once,
 * on first use by any task, and reused by every later task in this JVM. Why: loading a checkpoint
 * costs far more than one task's work, and Spark runs many tasks per executor.
 *
 * <p>Inference shares the cached models between concurrent tasks; training takes
 * {@link #trainingLock()}, because the trainer seeds PyTorch's one global generator per step
 * (dropout), so two trainings in one JVM at once would draw each other's random numbers and lose
 * their reproducibility. Models stay loaded for the life of the JVM.
 */
public final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    private static final ConcurrentMap<String, Loaded> BASES = new ConcurrentHashMap<>();
    private static final ConcurrentMap<String, PeftModel<InstructBlip>> ADAPTED = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();
    private static final ReentrantLock TRAINING = new ReentrantLock(true);

    private ExecutorModels() {}

    /** A base model with its processor. */
    public record Loaded(InstructBlip model, InstructBlipProcessor processor) {}

    /** The model of the Hugging Face InstructBLIP directory {@code modelDir}, loaded on first use. */
    public static Loaded base(String modelDir) {
        return BASES.computeIfAbsent(modelDir, dir -> {
            Path path = Path.of(dir);
            if (!Files.isDirectory(path)) {
                throw new SparkJobException("model directory " + dir + " does not exist on this executor ("
                        + hostName() + "); every executor must see the model at the same path (a shared or copied folder)");
            }
            long start = System.nanoTime();
            InstructBlip model = InstructBlip.load(path);
            InstructBlipProcessor processor = InstructBlipProcessor.load(path, model.config());
            LOADS.incrementAndGet();
            LOG.info("loaded {} in this executor JVM in {} ms", dir, (System.nanoTime() - start) / 1_000_000);
            return new Loaded(model, processor);
        });
    }

    /** The base model of {@code modelDir} with the PEFT adapter in {@code adapterDir} applied (inference only), or the base itself. */
    public static InstructBlip model(String modelDir, Optional<String> adapterDir) {
        Loaded base = base(modelDir);
        if (adapterDir.isEmpty()) {
            return base.model();
        }
        return ADAPTED.computeIfAbsent(modelDir + "\u0000" + adapterDir.get(), k -> {
            Path dir = Path.of(adapterDir.get());
            if (!Files.isDirectory(dir)) {
                throw new SparkJobException("adapter directory " + dir + " does not exist on this executor (" + hostName()
                        + "); every executor must see the adapter at the same path");
            }
            LOADS.incrementAndGet();
            return Peft.load(base.model(), dir, false);
        }).model();
    }

    /** How many models (bases and adapters) this JVM has loaded so far. */
    public static int loads() {
        return LOADS.get();
    }

    /** The lock every training in this JVM holds while it runs. */
    public static ReentrantLock trainingLock() {
        return TRAINING;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "unknown host";
        }
    }
}
