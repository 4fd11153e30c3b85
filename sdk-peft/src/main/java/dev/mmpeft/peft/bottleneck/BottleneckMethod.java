package dev.mmpeft.peft.bottleneck;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.SublayerBlock;
import dev.mmpeft.models.nn.SublayerBlock.Kind;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.TargetNotFoundException;
import dev.mmpeft.peft.internal.ParameterArrays;
import dev.mmpeft.peft.internal.TargetMatcher;
import dev.mmpeft.peft.lora.LoraInit;
import dev.mmpeft.peft.spi.AttachContext;
import dev.mmpeft.peft.spi.Attachment;
import dev.mmpeft.peft.spi.MethodPlan;
import dev.mmpeft.peft.spi.PeftMethod;
import dev.mmpeft.peft.spi.PlanContext;
import dev.mmpeft.peft.spi.Targets;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bottleneck adapters (Houlsby / Pfeiffer) on residual sub-layers, as AdapterHub computes them;
 * {@code peft_type} {@value BottleneckConfig#PEFT_TYPE}, this SDK's own (PEFT has no such method).
 *
 * <p>Components select layers, the placement selects sub-layers: a residual sub-layer belongs to a
 * component when it lies in a transformer layer (its name up to the first numbered segment, e.g.
 * {@code language_model.encoder.block.3.}) holding one of the component's modules and its kind is
 * the component's ({@code LLM_ATTN}, {@code QFORMER_SELF_ATTN}: self-attention;
 * {@code QFORMER_CROSS_ATTN}: cross-attention; {@code *_FFN}: feed-forward), and the placement
 * takes that kind (Pfeiffer: feed-forward only). With no target the language model's layers are
 * adapted ({@code LLM_ALL}).
 */
public final class BottleneckMethod implements PeftMethod<BottleneckConfig> {
    private static final Targets.Kind SUBLAYER = new Targets.Kind(SublayerBlock.class, "residual sub-layer",
            "bottleneck adapters attach to attention and feed-forward sub-layers (e.g. T5 'layer.1', LLaMA 'mlp', Q-Former 'output')");
    private static final Pattern LAYER = Pattern.compile("^.*?\\.\\d+\\.");
    private static final List<Component> PARTS = List.of(Component.QFORMER_SELF_ATTN, Component.QFORMER_CROSS_ATTN,
            Component.QFORMER_FFN, Component.LLM_ATTN, Component.LLM_FFN);

    @Override
    public String peftType() {
        return BottleneckConfig.PEFT_TYPE;
    }

    @Override
    public String label() {
        return "adapter";
    }

    @Override
    public Class<BottleneckConfig> configType() {
        return BottleneckConfig.class;
    }

    /** Not a Hugging Face PEFT type: PEFT-only readers refuse it. */
    @Override
    public boolean isPeftType() {
        return false;
    }

    @Override
    public BottleneckConfig readConfig(JsonNode root, String source) {
        return BottleneckFormat.read(root, source);
    }

    @Override
    public ObjectNode writeConfig(BottleneckConfig resolved) {
        return BottleneckFormat.write(resolved);
    }

    @Override
    public boolean ownsFileKey(String key) {
        return key.contains(".adapter_down.") || key.contains(".adapter_up.");
    }

    @Override
    public MethodPlan plan(BottleneckConfig config, PlanContext context) {
        Set<Component> components = config.hasTargets() ? config.targetComponents() : EnumSet.of(Component.LLM_ALL);
        Set<String> fromComponents = new LinkedHashSet<>();
        for (Component c : components) {
            fromComponents.addAll(sublayersOf(c, config, context));
        }
        Map<String, HfBlock> selected = new LinkedHashMap<>();
        ImmutableBottleneckConfig plain = ImmutableBottleneckConfig.copyOf(config).withTargetComponents(List.of());
        if (!fromComponents.isEmpty()) {
            // the components' sub-layers as exact names (PEFT's rules for excludes and modules to save still apply)
            selected.putAll(Targets.select(plain.withTargetRegex(Optional.empty()).withTargetModules(fromComponents), context, SUBLAYER));
        }
        if (!config.targetModules().isEmpty() || config.targetRegex().isPresent()) {
            selected.putAll(Targets.select(plain, context, SUBLAYER));
        }
        Map<String, BottleneckPlan.Module> modules = new LinkedHashMap<>();
        context.modules().forEach((name, block) -> {
            if (selected.containsKey(name)) {
                SublayerBlock s = (SublayerBlock) block;
                modules.put(name, new BottleneckPlan.Module(name, s.width(), config.sizeFor(s.width()),
                        partOf(name, s.sublayerKind(), context)));
            }
        });
        return new BottleneckPlan(config, resolve(config, modules, context), modules);
    }

    /** The residual sub-layers of a component that the placement takes. */
    private static Set<String> sublayersOf(Component c, BottleneckConfig config, PlanContext context) {
        AdapterPlacement placement = config.placement();
        Set<String> out = new LinkedHashSet<>();
        boolean anyKind = false;
        for (Component part : c.parts()) {
            Optional<Kind> kind = targetKind(part);
            if (kind.isEmpty()) {
                throw new PeftException("component " + part + " has no attention or feed-forward sub-layer a bottleneck adapter can"
                        + " attach to; adapters go on " + PARTS + " (train " + part + " in full instead)");
            }
            if (!placement.kinds().contains(kind.get())) {
                continue;
            }
            anyKind = true;
            Set<String> layers = layersOf(context.namesOf(part));
            context.modules().forEach((name, block) -> {
                if (block instanceof SublayerBlock && ((SublayerBlock) block).sublayerKind() == kind.get()
                        && layers.contains(layer(name)) && inLayers(config, name)) {
                    out.add(name);
                }
            });
        }
        if (!anyKind) {
            throw new PeftException("component " + c + ": the " + placement.jsonValue() + " placement puts adapters after "
                    + placement.kinds() + " sub-layers only, and " + c + " has none; target a feed-forward component or use houlsby()");
        }
        if (out.isEmpty()) {
            throw new TargetNotFoundException(c.name(), "residual sub-layer", List.of());
        }
        return out;
    }

    /** PEFT's {@code layers_to_transform} filter, for sub-layers a component selected. */
    private static boolean inLayers(BottleneckConfig config, String name) {
        if (config.layersToTransform().isEmpty()) {
            return true;
        }
        Optional<Integer> index = TargetMatcher.layerIndex(config.layersPattern(), name);
        return index.isPresent() && config.layersToTransform().contains(index.get());
    }

    /** The sub-layer kind a component's bottleneck adapters go after, if it has one. */
    private static Optional<Kind> targetKind(Component part) {
        switch (part) {
            case QFORMER_SELF_ATTN:
            case LLM_ATTN:
                return Optional.of(Kind.SELF_ATTENTION);
            case QFORMER_CROSS_ATTN:
                return Optional.of(Kind.CROSS_ATTENTION);
            case QFORMER_FFN:
            case LLM_FFN:
                return Optional.of(Kind.FEED_FORWARD);
            default:
                return Optional.empty();
        }
    }

    /** The report part of a sub-layer: the component whose layers hold it and whose kind it has (LLM cross-attention counts as LLM_ATTN). */
    private static String partOf(String module, Kind kind, PlanContext context) {
        for (Component c : PARTS) {
            Set<Kind> kinds = c == Component.LLM_ATTN ? EnumSet.of(Kind.SELF_ATTENTION, Kind.CROSS_ATTENTION) : EnumSet.of(targetKind(c).get());
            if (kinds.contains(kind) && layersOf(context.namesOf(c)).contains(layer(module))) {
                return c.name();
            }
        }
        return "other";
    }

    private static Set<String> layersOf(Set<String> names) {
        Set<String> out = new LinkedHashSet<>();
        names.forEach(n -> out.add(layer(n)));
        return out;
    }

    /** A module's transformer layer: its name up to and including the first numbered segment ({@code ...block.3.}). */
    private static String layer(String name) {
        Matcher m = LAYER.matcher(name + ".");
        return m.find() ? m.group() : "";
    }

    /** The configuration as saved: components become the exact sub-layer names. */
    private static BottleneckConfig resolve(BottleneckConfig config, Map<String, BottleneckPlan.Module> modules, PlanContext context) {
        ImmutableBottleneckConfig r = ImmutableBottleneckConfig.copyOf(config).withModulesToSave(context.modulesToSave())
                .withTrainComponents(List.of());
        if (!config.targetComponents().isEmpty() || !config.hasTargets()) {
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
        BottleneckPlan plan = (BottleneckPlan) methodPlan;
        BottleneckConfig config = plan.config();
        String adapter = context.adapter();
        Map<String, String> parameters = new LinkedHashMap<>();
        for (BottleneckPlan.Module m : plan.modules().values()) {
            BottleneckLayer layer = context.layer(m.name(), BottleneckLayer.class, b -> new BottleneckLayer(m.name(), (SublayerBlock) b));
            Linear[] downUp = layer.add(adapter, m.size(), config.activation(), config.scaling(), config.adapterDropout(), config.placement());
            long seed = context.seed();
            BottleneckInit init = config.initWeights();
            set(downUp[0], "weight", ParameterArrays.create(context.manager(), new Shape(m.size(), m.width()),
                    init.down(m.size(), m.width(), LoraInit.stream(seed, adapter, m.name(), "down"))));
            set(downUp[0], "bias", ParameterArrays.create(context.manager(), new Shape(m.size()), new float[m.size()]));
            set(downUp[1], "weight", ParameterArrays.create(context.manager(), new Shape(m.width(), m.size()),
                    init.up(m.width(), m.size(), LoraInit.stream(seed, adapter, m.name(), "up"))));
            set(downUp[1], "bias", ParameterArrays.create(context.manager(), new Shape(m.width()), new float[m.width()]));
            String prefix = m.name() + ".bottleneck." + adapter + ".";
            for (String t : new String[] {"adapter_down.weight", "adapter_down.bias", "adapter_up.weight", "adapter_up.bias"}) {
                parameters.put(m.key(t), prefix + t);
            }
            for (Linear l : downUp) {
                l.getParameters().values().forEach(p -> p.freeze(true));
            }
        }
        return new Attachment(parameters);
    }

    private static void set(Linear matrix, String parameter, ai.djl.ndarray.NDArray value) {
        matrix.parameter(parameter).setArray(value);
    }
}
