package dev.mmpeft.peft.prefix;

import ai.djl.ndarray.types.Shape;
import dev.mmpeft.peft.spi.MethodPlan;
import dev.mmpeft.peft.spi.PlannedTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Which stack gets prefixes, of which shapes, trained plain or through the projection MLP. */
final class PrefixPlan implements MethodPlan {
    /** PEFT's file key of the flat prefixes (prompt-learning adapters carry no {@code base_model.model.} prefix). */
    static final String PROMPT_EMBEDDINGS = "prompt_embeddings";
    static final String EMBEDDING = "prompt_encoder.embedding.weight";
    static final String FIRST_WEIGHT = "prompt_encoder.transform.0.weight";
    static final String FIRST_BIAS = "prompt_encoder.transform.0.bias";
    static final String SECOND_WEIGHT = "prompt_encoder.transform.2.weight";
    static final String SECOND_BIAS = "prompt_encoder.transform.2.bias";

    private final PrefixTuningConfig config;
    private final PrefixTuningConfig resolved;
    private final String stack;
    private final int layers;
    private final int heads;
    private final int headDim;
    private final int submodules;
    private final int projectionHidden;
    private final String part;

    PrefixPlan(PrefixTuningConfig config, PrefixTuningConfig resolved, String stack, int layers, int heads, int headDim,
            int submodules, int projectionHidden, String part) {
        this.config = config;
        this.resolved = resolved;
        this.stack = stack;
        this.layers = layers;
        this.heads = heads;
        this.headDim = headDim;
        this.submodules = submodules;
        this.projectionHidden = projectionHidden;
        this.part = part;
    }

    PrefixTuningConfig config() {
        return config;
    }

    String stack() {
        return stack;
    }

    /** A new encoder of this plan's shapes (parameters declared, no arrays). */
    PrefixEncoder newEncoder() {
        return new PrefixEncoder(config.numVirtualTokens(), layers, heads, headDim, submodules, projectionHidden);
    }

    int tokenDim() {
        return heads * headDim;
    }

    int flatWidth() {
        return 2 * layers * tokenDim();
    }

    int projectionHidden() {
        return projectionHidden;
    }

    @Override
    public PrefixTuningConfig resolvedConfig() {
        return resolved;
    }

    @Override
    public List<String> targetedModules() {
        return List.of(stack);
    }

    @Override
    public Map<String, PlannedTensor> tensors() {
        int p = config.numVirtualTokens();
        Map<String, PlannedTensor> out = new LinkedHashMap<>();
        if (projectionHidden == 0) {
            out.put(PROMPT_EMBEDDINGS, new PlannedTensor(new Shape(p, flatWidth()), part));
        } else {
            out.put(EMBEDDING, new PlannedTensor(new Shape(p, tokenDim()), part));
            out.put(FIRST_WEIGHT, new PlannedTensor(new Shape(projectionHidden, tokenDim()), part));
            out.put(FIRST_BIAS, new PlannedTensor(new Shape(projectionHidden), part));
            out.put(SECOND_WEIGHT, new PlannedTensor(new Shape(flatWidth(), projectionHidden), part));
            out.put(SECOND_BIAS, new PlannedTensor(new Shape(flatWidth()), part));
        }
        return out;
    }
}
