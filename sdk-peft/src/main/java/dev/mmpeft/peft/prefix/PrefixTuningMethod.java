package dev.mmpeft.peft.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.PrefixableStack;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.internal.ParameterArrays;
import dev.mmpeft.peft.lora.LoraInit;
import dev.mmpeft.peft.spi.AttachContext;
import dev.mmpeft.peft.spi.Attachment;
import dev.mmpeft.peft.spi.MethodPlan;
import dev.mmpeft.peft.spi.PeftMethod;
import dev.mmpeft.peft.spi.PlanContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Prefix tuning as Hugging Face PEFT computes it (see the package documentation): prefixes of the
 * language model's self-attention handed over as {@code past_key_values}; saved as PEFT's
 * {@code prompt_embeddings}.
 */
public final class PrefixTuningMethod implements PeftMethod<PrefixTuningConfig> {
    @Override
    public String peftType() {
        return PrefixTuningConfig.PEFT_TYPE;
    }

    @Override
    public String label() {
        return "prefix";
    }

    @Override
    public Class<PrefixTuningConfig> configType() {
        return PrefixTuningConfig.class;
    }

    @Override
    public PrefixTuningConfig readConfig(JsonNode root, String source) {
        return PrefixFormat.read(root, source);
    }

    @Override
    public ObjectNode writeConfig(PrefixTuningConfig resolved) {
        return PrefixFormat.write(resolved);
    }

    @Override
    public boolean ownsFileKey(String key) {
        return key.equals(PrefixPlan.PROMPT_EMBEDDINGS) || key.startsWith("prompt_encoder.");
    }

    @Override
    public MethodPlan plan(PrefixTuningConfig config, PlanContext context) {
        List<String> stacks = new ArrayList<>();
        context.modules().forEach((name, block) -> {
            if (block instanceof PrefixableStack && ((PrefixableStack) block).takesPastKeyValues()) {
                stacks.add(name);
            }
        });
        if (stacks.size() != 1) {
            throw new PeftException("prefix tuning needs exactly one language model that takes past_key_values (T5's decoder,"
                    + " LLaMA's model); this model has " + (stacks.isEmpty() ? "none" : stacks.size() + ": " + stacks));
        }
        String name = stacks.get(0);
        PrefixableStack stack = (PrefixableStack) context.modules().get(name);
        int layers = stack.selfAttentionLayers();
        int heads = stack.keyValueHeads();
        int headDim = stack.headDim();
        check("num_layers", config.numLayers().orElse(layers), layers, "self-attention layers of '" + name + "'");
        check("num_attention_heads", config.numAttentionHeads().orElse(heads), heads, "key/value heads of '" + name + "'");
        check("token_dim", config.tokenDim().orElse(heads * headDim), heads * headDim,
                "key/value width of '" + name + "' (" + heads + " heads x " + headDim + ")");
        // PEFT: 2 for SEQ_2_SEQ_LM, else 1; the model's structure says which it is
        int submodules = config.numTransformerSubmodules().orElse(stack.inEncoderDecoder() ? 2 : 1);
        int tokenDim = heads * headDim;
        int hidden = config.trainsProjection() ? config.encoderHiddenSize().orElse(tokenDim) : 0;
        ImmutablePrefixTuningConfig resolved = ImmutablePrefixTuningConfig.copyOf(config)
                .withModulesToSave(context.modulesToSave()).withTrainComponents(List.of())
                .withNumLayers(layers).withNumAttentionHeads(heads).withTokenDim(tokenDim)
                .withNumTransformerSubmodules(submodules)
                .withEncoderHiddenSize(config.encoderHiddenSize().orElse(tokenDim));
        if (resolved.baseModelNameOrPath().isEmpty()) {
            resolved = resolved.withBaseModelNameOrPath(context.model().nameOrPath());
        }
        if (resolved.taskType().isEmpty()) {
            resolved = resolved.withTaskType(context.model().taskType());
        }
        // reported with the language model's attention when the stack holds its attention modules
        boolean llm = context.namesOf(dev.mmpeft.core.Component.LLM_ATTN).stream().anyMatch(m -> m.startsWith(name + "."));
        String part = llm ? "LLM_ATTN" : "other";
        return new PrefixPlan(config, resolved, name, layers, heads, headDim, submodules, hidden, part);
    }

    private static void check(String field, int value, int expected, String what) {
        if (value != expected) {
            throw new PeftException("PrefixTuningConfig." + field + " is " + value + " but the model has " + expected + " " + what
                    + "; the prefixes must match them");
        }
    }

    @Override
    public Attachment attach(MethodPlan methodPlan, AttachContext context) {
        PrefixPlan plan = (PrefixPlan) methodPlan;
        String adapter = context.adapter();
        HfBlock block = context.module(plan.stack());
        PrefixLayer layer = context.layer(plan.stack(), PrefixLayer.class, b -> new PrefixLayer(plan.stack(), (PrefixableStack) b));
        PrefixEncoder encoder = layer.add(adapter, plan.newEncoder());
        encoder.setTraining(block.isTraining());
        boolean zero = plan.config().initWeights().isPresent();
        int p = plan.config().numVirtualTokens();
        String at = plan.stack() + ".prompt_encoder." + adapter + ".";
        Map<String, String> parameters = new LinkedHashMap<>();
        NDManager m = context.manager();
        if (plan.projectionHidden() == 0) {
            int n = p * plan.flatWidth();
            set(encoder.embedding(), "weight", ParameterArrays.create(m, new Shape(p, plan.flatWidth()),
                    zero ? new float[n] : normal(n, stream(context, "embedding"))));
            parameters.put(PrefixPlan.PROMPT_EMBEDDINGS, at + "embedding.weight");
        } else {
            int td = plan.tokenDim();
            int h = plan.projectionHidden();
            int w = plan.flatWidth();
            set(encoder.embedding(), "weight", ParameterArrays.create(m, new Shape(p, td), normal(p * td, stream(context, "embedding"))));
            PrefixEncoder.Transform t = encoder.transform();
            // nn.Linear's own initialisation: weight and bias uniform in +-1/sqrt(fan_in)
            set(t.first, "weight", ParameterArrays.create(m, new Shape(h, td), uniform(h * td, td, stream(context, "transform.0.weight"))));
            set(t.first, "bias", ParameterArrays.create(m, new Shape(h), uniform(h, td, stream(context, "transform.0.bias"))));
            set(t.second, "weight", ParameterArrays.create(m, new Shape(w, h),
                    zero ? new float[w * h] : uniform(w * h, h, stream(context, "transform.2.weight"))));
            set(t.second, "bias", ParameterArrays.create(m, new Shape(w), zero ? new float[w] : uniform(w, h, stream(context, "transform.2.bias"))));
            parameters.put(PrefixPlan.EMBEDDING, at + "embedding.weight");
            parameters.put(PrefixPlan.FIRST_WEIGHT, at + "transform.0.weight");
            parameters.put(PrefixPlan.FIRST_BIAS, at + "transform.0.bias");
            parameters.put(PrefixPlan.SECOND_WEIGHT, at + "transform.2.weight");
            parameters.put(PrefixPlan.SECOND_BIAS, at + "transform.2.bias");
        }
        encoder.getParameters().values().forEach(par -> par.freeze(true));
        return new Attachment(parameters);
    }

    /** Folds the projection MLP into PEFT's {@code prompt_embeddings}, as {@code get_prompt_embedding_to_save} does. */
    @Override
    public Map<String, NDArray> savedTensors(MethodPlan methodPlan, Map<String, NDArray> parameters, NDManager manager) {
        if (!parameters.containsKey(PrefixPlan.EMBEDDING)) {
            return parameters;
        }
        NDArray e = parameters.get(PrefixPlan.EMBEDDING).duplicate();
        e.attach(manager);
        NDArray hidden = ai.djl.nn.core.Linear.linear(e, parameters.get(PrefixPlan.FIRST_WEIGHT), parameters.get(PrefixPlan.FIRST_BIAS))
                .singletonOrThrow().tanh();
        NDArray folded = ai.djl.nn.core.Linear.linear(hidden, parameters.get(PrefixPlan.SECOND_WEIGHT), parameters.get(PrefixPlan.SECOND_BIAS))
                .singletonOrThrow();
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put(PrefixPlan.PROMPT_EMBEDDINGS, folded);
        parameters.forEach((k, v) -> {
            if (!ownsFileKey(k)) {
                out.put(k, v); // tensors trained in full
            }
        });
        return out;
    }

    private static SplittableRandom stream(AttachContext context, String tensor) {
        return LoraInit.stream(context.seed(), context.adapter(), "prompt_encoder", tensor);
    }

    /** {@code nn.Embedding}'s initialisation: N(0, 1). */
    private static float[] normal(int n, SplittableRandom random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = random.nextDouble();
            double u2 = random.nextDouble();
            v[i] = (float) (Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return v;
    }

    private static float[] uniform(int n, int fanIn, SplittableRandom random) {
        float[] v = new float[n];
        double bound = 1.0 / Math.sqrt(fanIn);
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return v;
    }

    private static void set(HfBlock block, String parameter, NDArray value) {
        block.parameter(parameter).setArray(value);
    }

}
