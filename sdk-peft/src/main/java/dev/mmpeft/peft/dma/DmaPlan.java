package dev.mmpeft.peft.dma;

import ai.djl.ndarray.types.Shape;
import dev.mmpeft.peft.spi.MethodPlan;
import dev.mmpeft.peft.spi.PlanContext;
import dev.mmpeft.peft.spi.PlannedTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a PETAL adapter holds on one model: the projections DMA adapts (each with its modality and a
 * mode vector), the shared factors per modality, Gamma, the AIM gate and SIB's scale, by file key.
 */
final class DmaPlan implements MethodPlan {
    /** Which factor set a projection's input goes through. */
    enum Modality {
        /** Query and text positions ({@code hidden_size} wide): self-attention q, k, v and cross-attention q. */
        TEXT("dma_text"),
        /** Image features ({@code encoder_hidden_size} wide): cross-attention k and v. */
        IMAGE("dma_image");

        final String prefix;

        Modality(String prefix) {
            this.prefix = prefix;
        }
    }

    /** One adapted projection: its module, input modality and report part. */
    record Projection(String module, Modality modality, String part) {
        String lambdaKey() {
            return PlanContext.FILE_PREFIX + module + ".dma_lambda";
        }
    }

    /** Where DMA sits: the Q-Former layer stack, its width and depth, and the image features' width. */
    record Stack(String module, int hidden, int imageWidth, int layers) {
        String key(String tensor) {
            return PlanContext.FILE_PREFIX + module + "." + tensor;
        }
    }

    /** AIM's experts: the instruction texts and, when tokenized, their Q-Former ids (empty for the example's own). */
    record Experts(List<String> instructions, List<Optional<long[]>> ids, int width) {}

    static final String AIM_WEIGHT = PlanContext.FILE_PREFIX + "aim_gate.weight";
    static final String AIM_BIAS = PlanContext.FILE_PREFIX + "aim_gate.bias";
    static final String SIB_SCALE = PlanContext.FILE_PREFIX + "sib.logit_scale";

    private final DmaConfig config;
    private final DmaConfig resolved;
    private final Optional<Stack> stack;
    private final List<Projection> projections;
    private final Optional<Experts> experts;

    DmaPlan(DmaConfig config, DmaConfig resolved, Optional<Stack> stack, List<Projection> projections, Optional<Experts> experts) {
        this.config = config;
        this.resolved = resolved;
        this.stack = stack;
        this.projections = List.copyOf(projections);
        this.experts = experts;
    }

    DmaConfig config() {
        return config;
    }

    Optional<Stack> stack() {
        return stack;
    }

    List<Projection> projections() {
        return projections;
    }

    Optional<Experts> experts() {
        return experts;
    }

    /** Whether a projection of this modality is adapted (its factor set exists). */
    boolean uses(Modality m) {
        return projections.stream().anyMatch(p -> p.modality() == m);
    }

    /** The factor shapes of a modality: U [R, in], V [hidden, R], C [R, R, R]. */
    Map<String, Shape> factorShapes(Modality m) {
        Stack s = stack.orElseThrow();
        int r = config.rank();
        Map<String, Shape> out = new LinkedHashMap<>();
        out.put("U", new Shape(r, m == Modality.TEXT ? s.hidden() : s.imageWidth()));
        out.put("V", new Shape(s.hidden(), r));
        out.put("C", new Shape(r, r, r));
        return out;
    }

    @Override
    public DmaConfig resolvedConfig() {
        return resolved;
    }

    @Override
    public List<String> targetedModules() {
        List<String> out = new ArrayList<>();
        projections.forEach(p -> out.add(p.module()));
        return out;
    }

    @Override
    public Map<String, PlannedTensor> tensors() {
        Map<String, PlannedTensor> out = new LinkedHashMap<>();
        stack.ifPresent(s -> {
            for (Modality m : Modality.values()) {
                if (uses(m)) {
                    factorShapes(m).forEach((n, shape) -> out.put(s.key(m.prefix + "." + n), new PlannedTensor(shape, "DMA_FACTORS")));
                }
            }
            if (config.gamma()) {
                out.put(s.key("dma_gamma.scale"), new PlannedTensor(new Shape(s.layers(), s.hidden()), "DMA_GAMMA"));
                out.put(s.key("dma_gamma.shift"), new PlannedTensor(new Shape(s.layers(), s.hidden()), "DMA_GAMMA"));
            }
        });
        for (Projection p : projections) {
            out.put(p.lambdaKey(), new PlannedTensor(new Shape(config.rank()), p.part()));
        }
        experts.ifPresent(e -> {
            out.put(AIM_WEIGHT, new PlannedTensor(new Shape(e.width()), "AIM_GATE"));
            out.put(AIM_BIAS, new PlannedTensor(new Shape(e.instructions().size()), "AIM_GATE"));
        });
        if (config.sib()) {
            out.put(SIB_SCALE, new PlannedTensor(new Shape(1), "SIB"));
        }
        return out;
    }
}
