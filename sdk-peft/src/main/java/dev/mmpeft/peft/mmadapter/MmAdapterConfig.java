package dev.mmpeft.peft.mmadapter;

import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.TargetedConfig;
import dev.mmpeft.peft.TargetingBuilder;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.immutables.value.Value;

/**
 * LaVIN's Mixture-of-Modality Adapter configuration; build one with
 * {@link dev.mmpeft.peft.Peft#mmAdapter()}. Without targets the adapters go where LaVIN's released
 * code puts them: before self-attention in every LLaMA layer ({@code LLM_ATTN}) and every CLIP
 * layer ({@code VISION_ATTN}); {@code LLM_FFN} / {@code VISION_MLP} add them before the
 * feed-forward too (LaVIN's {@code block} / {@code router_block} variants), and sub-layer module
 * names ({@code ...layers.3.self_attn}) work as in PEFT.
 *
 * <p>{@code adapter_dim}, {@code temperature} and {@code adapter_scale} default to the LaVIN
 * model's config (8; 10 for 7B, 5 for 13B; 1), or those values on other models. Semantics and
 * the file layout: {@linkplain dev.mmpeft.peft.mmadapter package documentation}.
 */
@Value.Immutable
public abstract class MmAdapterConfig extends TargetedConfig {
    /** This SDK's own {@code peft_type} for MM-Adapters (PEFT has none). */
    public static final String PEFT_TYPE = "MMPEFT_MM_ADAPTER";

    @Override
    public final String peftType() {
        return PEFT_TYPE;
    }

    /** {@code adapter_dim}: the shared down-projection's width; the model's default when absent. */
    public abstract OptionalInt adapterDim();

    /** {@code temperature}: the router's softmax temperature; the model's default when absent. */
    public abstract OptionalDouble temperature();

    /** {@code adapter_scale}: the up-projections' factor; the model's default when absent. */
    public abstract OptionalDouble adapterScale();

    /** {@code adapter_dropout} on the down-projection's output, training only (LaVIN: 0.1). */
    @Value.Default
    public double adapterDropout() {
        return 0.1;
    }

    /** {@code groups} of the up-projections' grouped 1x1 convolutions (LaVIN: 2). */
    @Value.Default
    public int groups() {
        return 2;
    }

    /**
     * {@code train_connector}: whether the visual adapter (the connector, {@code LANGUAGE_PROJECTION})
     * trains in full beside the MM-Adapters, as in LaVIN (default true).
     */
    @Value.Default
    public boolean trainConnector() {
        return true;
    }

    @Override
    public String describe() {
        return "MM-Adapter" + (adapterDim().isPresent() ? " dim=" + adapterDim().getAsInt() : "")
                + (temperature().isPresent() ? ", tau=" + number(temperature().getAsDouble()) : "");
    }

    static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    @Value.Check
    protected void check() {
        String owner = "MmAdapterConfig";
        if (adapterDim().isPresent() && adapterDim().getAsInt() <= 0) {
            throw new PeftException(owner + ".adapter_dim must be > 0, got " + adapterDim().getAsInt());
        }
        if (temperature().isPresent() && !(temperature().getAsDouble() > 0 && Double.isFinite(temperature().getAsDouble()))) {
            throw new PeftException(owner + ".temperature must be a finite number > 0, got " + temperature().getAsDouble());
        }
        if (adapterScale().isPresent() && !Double.isFinite(adapterScale().getAsDouble())) {
            throw new PeftException(owner + ".adapter_scale must be a finite number, got " + adapterScale().getAsDouble());
        }
        if (!(adapterDropout() >= 0 && adapterDropout() < 1)) {
            throw new PeftException(owner + ".adapter_dropout must be in [0, 1), got " + adapterDropout());
        }
        if (groups() <= 0) {
            throw new PeftException(owner + ".groups must be > 0, got " + groups());
        }
        if (adapterDim().isPresent() && adapterDim().getAsInt() % groups() != 0) {
            throw new PeftException(owner + ".adapter_dim " + adapterDim().getAsInt() + " is not a multiple of groups " + groups());
        }
        checkTargets(owner);
    }

    /** A builder (the model's dimension and temperature, dropout 0.1, 2 groups, connector trained). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /**
     * The one builder of an {@link MmAdapterConfig}: the generated setters plus the fluent names
     * ({@code dim}, {@code tau}, {@code target}, {@code on}).
     */
    public static class Builder extends ImmutableMmAdapterConfig.Builder implements TargetingBuilder<Builder> {
        private long seed;

        /** {@code adapter_dim}. */
        public Builder dim(int dim) {
            return adapterDim(dim);
        }

        /** {@code temperature}. */
        public Builder tau(double tau) {
            return temperature(tau);
        }

        /** {@code adapter_scale}. */
        public Builder scale(double scale) {
            return adapterScale(scale);
        }

        /** {@code adapter_dropout}. */
        public Builder dropout(double p) {
            return adapterDropout(p);
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
