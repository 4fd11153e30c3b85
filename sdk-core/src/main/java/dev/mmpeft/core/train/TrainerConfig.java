package dev.mmpeft.core.train;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.optim.OptimizerSpec;
import dev.mmpeft.core.train.schedule.LrSchedule;
import dev.mmpeft.core.train.schedule.Schedules;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.immutables.value.Value;

/**
 * Everything a {@link Trainer} run is set up with, validated when built: the settings that are
 * kept in provenance and checked on resume. Why a supertype and not a value of its own: the
 * trainer is this configuration plus how it reports (listeners, console), so one builder,
 * {@link Trainer#builder()}, sets both.
 */
public abstract class TrainerConfig {
    /** The optimizer (AdamW with PyTorch's defaults and lr 1e-3 unless set). */
    @Value.Default
    public OptimizerSpec optimizer() {
        return AdamW.lr(1e-3);
    }

    /** The learning-rate schedule (constant unless set). */
    @Value.Default
    public LrSchedule schedule() {
        return Schedules.constant();
    }

    /** Epochs to train; 1 when neither this nor {@link #maxSteps()} is set. */
    public abstract OptionalInt epochs();

    /** A limit on optimizer steps (the smaller limit wins when epochs are set too). */
    public abstract OptionalLong maxSteps();

    /** Examples per forward pass (micro-batch). */
    @Value.Default
    public int batchSize() {
        return 8;
    }

    /** Micro-batches per optimizer step; the effective batch is {@code batchSize * this}. */
    @Value.Default
    public int gradientAccumulation() {
        return 1;
    }

    /** Clip gradients to this global L2 norm before each step, when set. */
    public abstract OptionalDouble maxGradNorm();

    /** Seed of the data order, dropout and every other random choice of the run. */
    @Value.Default
    public long seed() {
        return 42;
    }

    /** Shuffle the training data each epoch (seeded); false keeps the given order. */
    @Value.Default
    public boolean shuffle() {
        return true;
    }

    /**
     * Batch examples of similar token length together (transformers' {@code group_by_length}):
     * megabatches of up to 50 batches of the shuffled order sorted by length, so each batch, padded
     * to its own longest sequence, wastes less. Needs {@link TrainableModel#tokenLength}.
     */
    @Value.Default
    public boolean groupByLength() {
        return false;
    }

    /**
     * Bucket the epoch by token length: all examples sorted by length and cut into batches, the
     * batches in a seeded random order (longest first). Less padding than {@link #groupByLength()}
     * (which sorts within megabatches only), at the price of batches that hold one length band each.
     * Needs {@link TrainableModel#tokenLength}; not together with {@link #groupByLength()}.
     */
    @Value.Default
    public boolean bucketByLength() {
        return false;
    }

    /**
     * Activation checkpointing (transformers' {@code gradient_checkpointing_enable()}): the
     * transformer layers of the model (those it runs layer by layer: T5's and LLaMA's blocks, the
     * Q-Former's and vision encoders' layers) keep only their inputs for the backward pass and run
     * again when it reaches them. Less memory for activations, one more forward pass of those layers per step; dropout
     * masks are drawn per layer from their own seeds, so a run with it draws other masks than the
     * same run without it (see {@link ActivationCheckpointing}).
     */
    @Value.Default
    public boolean activationCheckpointing() {
        return false;
    }

    /** Drop the last incomplete effective batch of each epoch (as LAVIS's train loader does). */
    @Value.Default
    public boolean dropLast() {
        return true;
    }

    /**
     * Devices to train on; several GPUs train data-parallel. Empty (the default): where the
     * model's trainable tensors live, so a model loaded on a GPU trains there and one on the CPU
     * trains on the CPU; nothing moves to another device unless asked.
     */
    @Value.Default
    public List<Device> devices() {
        return List.of();
    }

    /**
     * The precision forward and backward passes compute in: {@link Precision#FP32} (default) or,
     * on GPUs, {@link Precision#FP16} with float32 master weights and dynamic loss scaling. The
     * model must support it ({@link TrainableModel#computeIn}).
     */
    @Value.Default
    public Precision mixedPrecision() {
        return Precision.FP32;
    }

    /** Validate every this many steps; 0 means once per epoch. */
    @Value.Default
    public long validateEvery() {
        return 0;
    }

    /** Early stopping on the validation metric, when set. */
    public abstract Optional<EarlyStopping> earlyStopping();

    /** Write a resume checkpoint every this many steps (0: at the end of each epoch only). */
    @Value.Default
    public long checkpointEvery() {
        return 0;
    }

    /** Save the best validation's trainable tensors to {@code <outputDir>/best}. */
    @Value.Default
    public boolean saveBest() {
        return true;
    }

    /** Save the final trainable tensors to {@code <outputDir>/last}. */
    @Value.Default
    public boolean saveLast() {
        return false;
    }

    /** At the end, put the best validation's trainable tensors back into the model. */
    @Value.Default
    public boolean restoreBest() {
        return false;
    }

    /** Continue from {@code <outputDir>/checkpoint} when it exists. */
    @Value.Default
    public boolean resume() {
        return true;
    }

    /** What to do with a NaN or infinite loss or gradient norm. */
    @Value.Default
    public NonFinitePolicy onNonFinite() {
        return NonFinitePolicy.STOP;
    }

    /**
     * Reuse the outputs of frozen, deterministic model parts across epochs (for InstructBLIP: the
     * vision encoder's features per image, {@link TrainableModel#reuseFrozenFeatures}); the losses
     * are the same as without (the cache is keyed by weights, preprocessing and input bytes).
     * Default on; off recomputes everything every step.
     */
    @Value.Default
    public boolean reuseFrozenFeatures() {
        return true;
    }

    /**
     * The on-disk feature cache folder (safetensors shards, shared between runs that point at the
     * same folder, e.g. the cells of a sweep); unset: {@code <outputDir>/feature-cache} when there
     * is an output folder, else memory only.
     */
    public abstract Optional<Path> featureCacheDir();

    /** The feature cache's in-memory bound in bytes (least recently used entries go first). */
    @Value.Default
    public long featureCacheBytes() {
        return dev.mmpeft.core.cache.FeatureCache.DEFAULT_MEMORY_BYTES;
    }

    /** Where checkpoints, logs, plots and provenance go; without it nothing is written. */
    public abstract Optional<Path> outputDir();

    /** Id of the model for provenance (a hub id or path); the model's class name when unset. */
    public abstract Optional<String> modelId();

    /** Hash of the base model for provenance (e.g. {@code sha256:...} of its weights). */
    public abstract Optional<String> modelHash();

    /** Name of the training data for provenance. */
    public abstract Optional<String> datasetName();

    @Value.Check
    protected void check() {
        epochs().ifPresent(e -> TrainingException.check(e >= 1, "epochs", e, ">= 1"));
        maxSteps().ifPresent(s -> TrainingException.check(s >= 1, "maxSteps", s, ">= 1"));
        TrainingException.check(batchSize() >= 1, "batchSize", batchSize(), ">= 1");
        TrainingException.check(gradientAccumulation() >= 1, "gradientAccumulation", gradientAccumulation(), ">= 1");
        maxGradNorm().ifPresent(n -> TrainingException.check(n > 0, "maxGradNorm", n, "> 0"));
        if (mixedPrecision() == Precision.BF16) {
            throw new TrainingException("mixedPrecision BF16: " + Precision.bf16Unavailable());
        }
        TrainingException.check(validateEvery() >= 0, "validateEvery", validateEvery(), ">= 0 (0: each epoch)");
        if (groupByLength() && bucketByLength()) {
            throw new TrainingException("groupByLength and bucketByLength both order the epoch by length; set one");
        }
        TrainingException.check(featureCacheBytes() >= 0, "featureCacheBytes", featureCacheBytes(), ">= 0");
        TrainingException.check(checkpointEvery() >= 0, "checkpointEvery", checkpointEvery(), ">= 0 (0: each epoch)");
        boolean gpus = devices().stream().anyMatch(Device::isGpu);
        boolean cpus = devices().stream().anyMatch(d -> !d.isGpu());
        TrainingException.check(!(gpus && cpus), "devices", devices(), "either CPUs or GPUs, not a mix");
        if (gpus) {
            TrainingException.check(
                    devices().stream().distinct().count() == devices().size(), "devices", devices(), "distinct GPUs");
        }
    }

    /** The settings as plain values, for provenance. */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("optimizer", optimizer().describe());
        out.put("schedule", schedule().describe());
        epochs().ifPresent(e -> out.put("epochs", e));
        maxSteps().ifPresent(s -> out.put("max_steps", s));
        out.put("batch_size", batchSize());
        out.put("gradient_accumulation", gradientAccumulation());
        maxGradNorm().ifPresent(n -> out.put("max_grad_norm", n));
        out.put("seed", seed());
        out.put("shuffle", shuffle());
        out.put("drop_last", dropLast());
        if (groupByLength()) {
            out.put("group_by_length", true);
        }
        if (bucketByLength()) {
            out.put("bucket_by_length", true);
        }
        out.put("devices", devices().isEmpty() ? "the model's" : devices().stream().map(Device::toString).toList());
        out.put("precision", mixedPrecision().toString());
        out.put("validate_every", validateEvery() == 0 ? "epoch" : validateEvery());
        earlyStopping().ifPresent(es -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("patience", es.patience());
            m.put("metric", es.metric().orElse("headline"));
            m.put("mode", es.mode().name().toLowerCase(java.util.Locale.ROOT));
            m.put("min_delta", es.minDelta());
            out.put("early_stopping", m);
        });
        out.put("checkpoint_every", checkpointEvery() == 0 ? "epoch" : checkpointEvery());
        out.put("save_best", saveBest());
        out.put("save_last", saveLast());
        out.put("restore_best", restoreBest());
        out.put("on_non_finite", onNonFinite().name().toLowerCase(java.util.Locale.ROOT));
        outputDir().ifPresent(d -> out.put("output_dir", d.toString()));
        return out;
    }
}
