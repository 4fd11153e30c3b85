package dev.mmpeft.peft.bottleneck;

import dev.mmpeft.models.nn.Activations;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.TargetedConfig;
import dev.mmpeft.peft.TargetingBuilder;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.immutables.value.Value;

/**
 * A bottleneck adapter's configuration (Houlsby or Pfeiffer placement, size by
 * {@code bottleneck_size} or {@code reduction_factor}); build one with
 * {@link dev.mmpeft.peft.Peft#adapter()}. Targets are {@link dev.mmpeft.core.Component}s (the
 * language model's layers when none is given) or the names of residual sub-layer modules
 * ({@code language_model.encoder.block.0.layer.1}, {@code ...layers.3.mlp}).
 *
 * <p>Why a value: the same configuration is applied, saved to {@code adapter_config.json} and read
 * back, so a bad value fails where it is set, naming the field. The semantics and the file layout
 * are described in the {@linkplain dev.mmpeft.peft.bottleneck package documentation}.
 */
@Value.Immutable
public abstract class BottleneckConfig extends TargetedConfig {
    /** This SDK's own {@code peft_type} for bottleneck adapters (PEFT has none). */
    public static final String PEFT_TYPE = "MMPEFT_BOTTLENECK_ADAPTER";

    @Override
    public final String peftType() {
        return PEFT_TYPE;
    }

    /** {@code bottleneck_size}: the adapter's inner width {@code s} (exclusive with {@link #reductionFactor()}). */
    public abstract OptionalInt bottleneckSize();

    /** {@code reduction_factor}: {@code s = floor(width / f)}, at least 1, per sub-layer (exclusive with {@link #bottleneckSize()}). */
    public abstract OptionalDouble reductionFactor();

    /** Where the adapters go (default {@link AdapterPlacement#PFEIFFER}, AdapterHub's default {@code seq_bn}). */
    @Value.Default
    public AdapterPlacement placement() {
        return AdapterPlacement.PFEIFFER;
    }

    /** {@code non_linearity} as set; see {@link #activation()}. */
    public abstract Optional<String> nonLinearity();

    /** The non-linearity in use: the one set, or the placement's AdapterHub default ({@code swish} / {@code relu}). */
    public String activation() {
        return nonLinearity().orElse(placement().defaultNonLinearity());
    }

    /** {@code scaling} of the adapter's output (AdapterHub default 1.0). */
    @Value.Default
    public double scaling() {
        return 1.0;
    }

    /** {@code adapter_dropout}: dropout on the adapter's output, in training mode only. */
    @Value.Default
    public double adapterDropout() {
        return 0;
    }

    /** {@code init_weights}. */
    @Value.Default
    public BottleneckInit initWeights() {
        return BottleneckInit.MAM_ADAPTER;
    }

    /** The inner width for a sub-layer of width {@code width}. */
    public int sizeFor(int width) {
        if (bottleneckSize().isPresent()) {
            return bottleneckSize().getAsInt();
        }
        // AdapterHub: int(hidden_size // reduction_factor), then at least 1
        return Math.max(1, (int) Math.floor(width / reductionFactor().getAsDouble()));
    }

    @Override
    public String describe() {
        String size = bottleneckSize().isPresent() ? "s=" + bottleneckSize().getAsInt()
                : "reduction factor " + number(reductionFactor().orElse(0));
        return "bottleneck adapter (" + placement().jsonValue() + ") " + size + ", " + activation();
    }

    @Value.Check
    protected void check() {
        String owner = "BottleneckConfig";
        if (bottleneckSize().isPresent() == reductionFactor().isPresent()) {
            throw new PeftException(owner + ": give exactly one of bottleneck_size and reduction_factor, got "
                    + (bottleneckSize().isPresent() ? "both (" + bottleneckSize().getAsInt() + " and "
                            + number(reductionFactor().getAsDouble()) + ")" : "neither"));
        }
        if (bottleneckSize().isPresent() && bottleneckSize().getAsInt() <= 0) {
            throw new PeftException(owner + ".bottleneck_size must be > 0, got " + bottleneckSize().getAsInt());
        }
        if (reductionFactor().isPresent() && !(reductionFactor().getAsDouble() > 0 && Double.isFinite(reductionFactor().getAsDouble()))) {
            throw new PeftException(owner + ".reduction_factor must be a finite number > 0, got " + reductionFactor().getAsDouble());
        }
        if (nonLinearity().isPresent() && !Activations.NAMES.contains(nonLinearity().get())) {
            throw new PeftException(owner + ".non_linearity '" + nonLinearity().get() + "' is not supported; expected one of " + Activations.NAMES);
        }
        if (!Double.isFinite(scaling())) {
            throw new PeftException(owner + ".scaling must be a finite number, got " + scaling());
        }
        if (!(adapterDropout() >= 0 && adapterDropout() < 1)) {
            throw new PeftException(owner + ".adapter_dropout must be in [0, 1), got " + adapterDropout());
        }
        checkTargets(owner);
    }

    static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** A builder (Pfeiffer placement, {@code mam_adapter} init, scaling 1, no dropout; give a size). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /**
     * The one builder of a {@link BottleneckConfig}: the generated field setters
     * ({@code bottleneckSize}, {@code reductionFactor}, {@code nonLinearity}, ...) plus the fluent
     * names ({@code bottleneck}, {@code houlsby}, {@code pfeiffer}, {@code target}, {@code on}).
     */
    public static class Builder extends ImmutableBottleneckConfig.Builder implements TargetingBuilder<Builder> {
        private long seed;

        /** The inner width {@code s} of every adapter. */
        public Builder bottleneck(int size) {
            return bottleneckSize(size);
        }

        /** Houlsby placement: after attention and after the feed-forward. */
        public Builder houlsby() {
            return placement(AdapterPlacement.HOULSBY);
        }

        /** Pfeiffer placement: after the feed-forward only. */
        public Builder pfeiffer() {
            return placement(AdapterPlacement.PFEIFFER);
        }

        /** {@code adapter_dropout}. */
        public Builder dropout(double p) {
            return adapterDropout(p);
        }

        /** {@code init_weights}. */
        public Builder init(BottleneckInit init) {
            return initWeights(init);
        }

        /** {@code layers_pattern}: the module list the layer index follows. */
        public Builder layersPattern(String... patterns) {
            return addLayersPattern(patterns);
        }

        @Override
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        @Override
        public long seed() {
            return seed;
        }
    }
}
