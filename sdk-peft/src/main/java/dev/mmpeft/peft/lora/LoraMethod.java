package dev.mmpeft.peft.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.peft.internal.ParameterArrays;
import dev.mmpeft.peft.internal.TargetMatcher;
import dev.mmpeft.peft.spi.AttachContext;
import dev.mmpeft.peft.spi.Attachment;
import dev.mmpeft.peft.spi.FullTensor;
import dev.mmpeft.peft.spi.MethodPlan;
import dev.mmpeft.peft.spi.PeftMethod;
import dev.mmpeft.peft.spi.PlanContext;
import dev.mmpeft.peft.spi.Targets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * LoRA as Hugging Face PEFT computes it: {@code y = W x + (alpha / r) B A dropout(x)} on chosen
 * linear layers, A Kaiming-uniform and B zero, biases trained per PEFT's {@code bias} option; with
 * {@code use_dora}, DoRA's magnitude vector per layer on top (see {@link LoraConfig#useDora()}).
 */
public final class LoraMethod implements PeftMethod<LoraConfig> {
    private static final Targets.Kind LINEAR = Targets.Kind.linear("LoRA applies to linear layers only");

    @Override
    public String peftType() {
        return LoraConfig.PEFT_TYPE;
    }

    @Override
    public String label() {
        return "lora";
    }

    @Override
    public Class<LoraConfig> configType() {
        return LoraConfig.class;
    }

    @Override
    public LoraConfig readConfig(JsonNode root, String source) {
        return LoraFormat.read(root, source);
    }

    @Override
    public ObjectNode writeConfig(LoraConfig resolved) {
        return LoraFormat.write(resolved);
    }

    @Override
    public boolean ownsFileKey(String key) {
        return key.contains(".lora_");
    }

    @Override
    public MethodPlan plan(LoraConfig config, PlanContext context) {
        Map<String, LoraPlan.Module> modules = new LinkedHashMap<>();
        if (config.hasTargets()) {
            for (Map.Entry<String, HfBlock> e : Targets.select(config, context, LINEAR).entrySet()) {
                String name = e.getKey();
                Linear linear = (Linear) e.getValue();
                int r = TargetMatcher.patternValue(config.rankPattern(), name).orElse(config.r());
                double alpha = TargetMatcher.patternValue(config.alphaPattern(), name).orElse(config.loraAlpha());
                modules.put(name, new LoraPlan.Module(name, linear.inFeatures(), linear.outFeatures(), r, alpha,
                        config.scaling(r, alpha), config.loraBias(), config.useDora(), context.partOf(name)));
            }
        }
        return new LoraPlan(config, resolve(config, modules, context), modules, biases(config, modules, context));
    }

    /** PEFT's {@code bias = all | lora_only}: base biases that train beside the adapter. */
    private static Map<String, FullTensor> biases(LoraConfig config, Map<String, LoraPlan.Module> modules, PlanContext context) {
        Map<String, FullTensor> out = new LinkedHashMap<>();
        if (config.bias() == LoraBias.NONE) {
            return out;
        }
        for (Map.Entry<String, Shape> p : context.parameterShapes().entrySet()) {
            String name = p.getKey();
            if (!(name.equals("bias") || name.endsWith(".bias"))) {
                continue;
            }
            String module = name.equals("bias") ? "" : name.substring(0, name.length() - ".bias".length());
            boolean wrapped = modules.containsKey(module);
            if (config.bias() == LoraBias.LORA_ONLY && !wrapped) {
                continue;
            }
            // PEFT's state dict names the bias of a LoRA-wrapped layer <module>.base_layer.bias
            String key = PlanContext.FILE_PREFIX + (wrapped ? module + ".base_layer.bias" : name);
            out.put(name, new FullTensor(name, p.getValue(), key, "bias", "bias"));
        }
        return out;
    }

    /** The configuration as saved: PEFT knows no components, so they become the exact module names. */
    private static LoraConfig resolve(LoraConfig config, Map<String, LoraPlan.Module> modules, PlanContext context) {
        ImmutableLoraConfig r = ImmutableLoraConfig.copyOf(config).withModulesToSave(context.modulesToSave())
                .withTrainComponents(List.of());
        if (!config.targetComponents().isEmpty()) {
            r = r.withTargetComponents(List.of()).withTargetRegex(Optional.empty())
                    .withTargetModules(new TreeSet<>(modules.keySet()));
        }
        if (r.baseModelNameOrPath().isEmpty()) {
            r = r.withBaseModelNameOrPath(context.model().nameOrPath());
        }
        if (r.taskType().isEmpty()) {
            r = r.withTaskType(context.model().taskType());
        }
        return r;
    }

    @Override
    public Attachment attach(MethodPlan methodPlan, AttachContext context) {
        LoraPlan plan = (LoraPlan) methodPlan;
        String adapter = context.adapter();
        InitLoraWeights init = plan.config().initLoraWeights();
        Map<String, String> parameters = new LinkedHashMap<>();
        for (LoraPlan.Module m : plan.modules().values()) {
            LoraLayer layer = context.layer(m.name(), LoraLayer.class, block -> new LoraLayer(m.name(), (Linear) block));
            Linear[] ab = layer.add(adapter, m.r(), m.alpha(), m.scaling(), plan.config().loraDropout(), m.loraBias(), m.dora());
            long seed = context.seed();
            set(ab[0], "weight", ParameterArrays.create(context.manager(), new Shape(m.r(), m.in()),
                    LoraInit.a(init, m.r(), m.in(), LoraInit.stream(seed, adapter, m.name(), "A"))));
            set(ab[1], "weight", ParameterArrays.create(context.manager(), new Shape(m.out(), m.r()),
                    LoraInit.b(init, m.out(), m.r(), LoraInit.stream(seed, adapter, m.name(), "B"))));
            parameters.put(m.keyA(), m.name() + ".lora_A." + adapter + ".weight");
            parameters.put(m.keyB(), m.name() + ".lora_B." + adapter + ".weight");
            if (m.loraBias()) {
                set(ab[1], "bias", ParameterArrays.create(context.manager(), new Shape(m.out()),
                        LoraInit.bBias(init, m.out(), m.r(), LoraInit.stream(seed, adapter, m.name(), "Bb"))));
                parameters.put(m.keyBBias(), m.name() + ".lora_B." + adapter + ".bias");
            }
            for (Linear l : ab) {
                l.getParameters().values().forEach(p -> p.freeze(true));
            }
            if (m.dora()) {
                // PEFT's DoraLinearLayer.update_layer: the magnitude starts as ||W + scaling B A|| per row
                // (||W|| with B = 0), computed from the values A and B start with
                Dora.Magnitude magnitude = layer.magnitude(adapter).orElseThrow();
                magnitude.parameter("weight").setArray(Dora.weightNorm(layer.base().weight().getArray(),
                        ab[0].weight().getArray(), ab[1].weight().getArray(), m.scaling(), context.manager()));
                magnitude.parameter("weight").freeze(true);
                parameters.put(m.keyMagnitude(), m.name() + ".lora_magnitude_vector." + adapter + ".weight");
            }
        }
        return new Attachment(parameters);
    }

    private static void set(Linear matrix, String parameter, NDArray value) {
        matrix.parameter(parameter).setArray(value);
    }
}
