package dev.mmpeft.peft.dma;

import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.TargetedConfig;
import dev.mmpeft.peft.TargetingBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.immutables.value.Value;

/**
 * A PETAL adapter's configuration: dynamic mode approximation (DMA) on the Q-Former's attention
 * projections, the adaptive instruction mixture of experts (AIM) and the score-based information
 * bottleneck loss (SIB), each switchable as in PETAL's ablation (Table 4). Build one with
 * {@link dev.mmpeft.peft.Peft#dma()}; saved under this SDK's own {@code peft_type}
 * {@value #PEFT_TYPE} (PEFT has no such method; the package documentation describes the files).
 *
 * <p>Why one configuration for three parts: PETAL trains them together on one Q-Former, the
 * ablation switches them off one at a time, and a saved adapter must say which were on so that it
 * loads to the same model.
 */
@Value.Immutable
public abstract class DmaConfig extends TargetedConfig {
    /** The {@code peft_type} of these adapters. */
    public static final String PEFT_TYPE = "MMPEFT_DMA";

    /** The instruction set of PETAL's slides, one per line ({@code {instruction}}: the example's own). */
    public static final String DEFAULT_INSTRUCTIONS = "aim-instructions.txt";

    /** Where an expert instruction stands for the example's own Q-Former instruction. */
    public static final String OWN_INSTRUCTION = "{instruction}";

    @Override
    public final String peftType() {
        return PEFT_TYPE;
    }

    /** The decomposition's rank R (PETAL: 64). */
    @Value.Default
    public int rank() {
        return 64;
    }

    /** Whether the mode approximation is on (PETAL's ablation V4 turns it off and keeps AIM and SIB). */
    @Value.Default
    public boolean modeApproximation() {
        return true;
    }

    /** Dropout on the first factor's output ({@code self.dp} in PETAL's code: 0.1), training mode only. */
    @Value.Default
    public double dropout() {
        return 0.1;
    }

    /** Whether each Q-Former layer adds the Gamma residual {@code g (attn * scale + shift)}. */
    @Value.Default
    public boolean gamma() {
        return true;
    }

    /** The Gamma residual's factor {@code g} (PETAL's code: 0.1). */
    @Value.Default
    public double gammaResidual() {
        return 0.1;
    }

    /**
     * The standard deviation of Gamma's initial scale and shift (PETAL's code: 0.0002); 0 by default,
     * so that the adapted model starts exactly at the base model, as every other method here does.
     */
    @Value.Default
    public double gammaInitStd() {
        return 0;
    }

    /** AIM's number of experts (instructions merged by the gate); 0 turns AIM off. */
    @Value.Default
    public int aimExperts() {
        return 0;
    }

    /**
     * AIM's instruction set, one instruction per expert in order ({@value #OWN_INSTRUCTION} is the
     * example's own); empty for the default set ({@value #DEFAULT_INSTRUCTIONS}).
     */
    public abstract List<String> aimInstructions();

    /** Whether the score-based information-bottleneck loss is added in training. */
    @Value.Default
    public boolean sib() {
        return false;
    }

    /** SIB's eta in {@code max I(Z;Y) - eta I(Z;X)} (PETAL's code: beta 0.1). */
    @Value.Default
    public double sibEta() {
        return 0.1;
    }

    /** The weight of the SIB loss next to the language-model loss. */
    @Value.Default
    public double sibWeight() {
        return 0.1;
    }

    /** The instructions AIM's experts use: the configured ones or the default set, the first {@link #aimExperts()}. */
    public List<String> expertInstructions() {
        List<String> all = aimInstructions().isEmpty() ? defaultInstructions() : aimInstructions();
        return all.subList(0, Math.min(aimExperts(), all.size()));
    }

    /** The default instruction set (PETAL's slides): the example's own instruction, objects, relations. */
    public static List<String> defaultInstructions() {
        try (InputStream in = DmaConfig.class.getResourceAsStream(DEFAULT_INSTRUCTIONS)) {
            if (in == null) {
                throw new IllegalStateException("resource " + DEFAULT_INSTRUCTIONS + " is missing from sdk-peft");
            }
            return parseInstructions(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + DEFAULT_INSTRUCTIONS, e);
        }
    }

    /**
     * Reads an instruction-set file: one instruction per line; blank lines and lines starting with
     * {@code #} are skipped.
     *
     * @throws PeftException naming the file when it cannot be read or holds no instruction
     */
    public static List<String> readInstructions(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PeftException(file + ": cannot read the AIM instruction set: " + e.getMessage(), e);
        }
        List<String> out = parseInstructions(text);
        if (out.isEmpty()) {
            throw new PeftException(file + ": no instruction found (expected one instruction per line, '#' for comments)");
        }
        return out;
    }

    private static List<String> parseInstructions(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\\R")) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                out.add(t);
            }
        }
        return out;
    }

    @Override
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (modeApproximation()) {
            parts.add("DMA R=" + rank());
        }
        if (aimExperts() > 0) {
            parts.add("AIM " + aimExperts() + " experts");
        }
        if (sib()) {
            parts.add(String.format(Locale.ROOT, "SIB eta=%s", sibEta()));
        }
        return "PETAL " + (parts.isEmpty() ? "(nothing on)" : String.join(", ", parts));
    }

    @Value.Check
    protected void check() {
        if (rank() <= 0) {
            throw new PeftException("DmaConfig.rank must be > 0, got " + rank());
        }
        if (!(dropout() >= 0 && dropout() < 1)) {
            throw new PeftException("DmaConfig.dropout must be in [0, 1), got " + dropout());
        }
        if (!Double.isFinite(gammaResidual())) {
            throw new PeftException("DmaConfig.gamma_residual must be finite, got " + gammaResidual());
        }
        if (!(gammaInitStd() >= 0) || !Double.isFinite(gammaInitStd())) {
            throw new PeftException("DmaConfig.gamma_init_std must be finite and >= 0, got " + gammaInitStd());
        }
        if (aimExperts() < 0) {
            throw new PeftException("DmaConfig.aim_experts must be >= 0 (0: AIM off), got " + aimExperts());
        }
        int available = aimInstructions().isEmpty() ? defaultInstructions().size() : aimInstructions().size();
        if (aimExperts() > available) {
            throw new PeftException("DmaConfig.aim_experts is " + aimExperts() + " but the instruction set has only " + available
                    + " instructions (one per expert)");
        }
        for (String s : aimInstructions()) {
            if (s.isBlank()) {
                throw new PeftException("DmaConfig.aim_instructions contains an empty instruction");
            }
        }
        if (!(sibEta() >= 0) || !Double.isFinite(sibEta())) {
            throw new PeftException("DmaConfig.sib_eta must be finite and >= 0, got " + sibEta());
        }
        if (!(sibWeight() >= 0) || !Double.isFinite(sibWeight())) {
            throw new PeftException("DmaConfig.sib_weight must be finite and >= 0, got " + sibWeight());
        }
        if (!modeApproximation() && aimExperts() == 0 && !sib()) {
            throw new PeftException("DmaConfig: mode approximation, AIM and SIB are all off; the adapter would do nothing");
        }
        checkTargets("DmaConfig");
    }

    /** A builder with PETAL's defaults (R = 64, DMA on, AIM and SIB off). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** The builder of a {@link DmaConfig}, with fluent names ({@code aim(n)}, {@code sib(eta)}, {@code target}, {@code on}). */
    public static class Builder extends ImmutableDmaConfig.Builder implements TargetingBuilder<Builder> {
        private long seed;

        /** AIM with {@code experts} experts from the default instruction set (PETAL: 3). */
        public Builder aim(int experts) {
            return aimExperts(experts);
        }

        /** AIM with one expert per instruction of {@code instructions}. */
        public Builder aim(List<String> instructions) {
            return aimInstructions(instructions).aimExperts(instructions.size());
        }

        /** The SIB loss on, with eta. */
        public Builder sib(double eta) {
            return sib(true).sibEta(eta);
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
