package dev.mmpeft.peft.mmadapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.LavinConfig;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.models.llama.LlamaTransformer;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.SublayerBlock;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.TargetNotFoundException;
import dev.mmpeft.peft.internal.ParameterArrays;
import dev.mmpeft.peft.lora.LoraInit;
import dev.mmpeft.peft.spi.AttachContext;
import dev.mmpeft.peft.spi.Attachment;
import dev.mmpeft.peft.spi.FullTensor;
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
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * LaVIN's MM-Adapter as a PEFT method; {@code peft_type} {@value MmAdapterConfig#PEFT_TYPE}, this
 * SDK's own. Components select sub-layers: {@code LLM_ATTN} / {@code VISION_ATTN} the
 * self-attention sub-layers holding the component's projections, {@code LLM_FFN} /
 * {@code VISION_MLP} the feed-forward ones; the default is {@code LLM_ATTN + VISION_ATTN}, LaVIN's
 * placement ({@code adapter_type attn}, {@code visual_adapter_type router}).
 */
public final class MmAdapterMethod implements PeftMethod<MmAdapterConfig> {
    private static final Targets.Kind SUBLAYER = new Targets.Kind(SublayerBlock.class, "residual sub-layer",
            "MM-Adapters go before attention and feed-forward sub-layers (e.g. LLaMA 'self_attn', CLIP 'self_attn')");
    private static final Set<Component> PLACES = EnumSet.of(Component.LLM_ATTN, Component.LLM_FFN, Component.VISION_ATTN,
            Component.VISION_MLP);
    /** The model tensor the language model's routers read, trained in full with the adapters. */
    static final String MODALITY_EMBEDDING = "adapter_modality_embedding.weight";

    @Override
    public String peftType() {
        return MmAdapterConfig.PEFT_TYPE;
    }

    @Override
    public String label() {
        return "mm-adapter";
    }

    @Override
    public Class<MmAdapterConfig> configType() {
        return MmAdapterConfig.class;
    }

    /** Not a Hugging Face PEFT type: PEFT-only readers refuse it. */
    @Override
    public boolean isPeftType() {
        return false;
    }

    @Override
    public MmAdapterConfig readConfig(JsonNode root, String source) {
        return MmAdapterFormat.read(root, source);
    }

    @Override
    public ObjectNode writeConfig(MmAdapterConfig resolved) {
        return MmAdapterFormat.write(resolved);
    }

    @Override
    public boolean ownsFileKey(String key) {
        return key.contains(".mm_adapter.");
    }

    @Override
    public MethodPlan plan(MmAdapterConfig config, PlanContext context) {
        Set<Component> components = config.hasTargets() ? config.targetComponents() : EnumSet.of(Component.LLM_ATTN, Component.VISION_ATTN);
        Map<String, String> partOf = new LinkedHashMap<>();
        for (Component c : components) {
            for (Component part : c.parts()) {
                sublayersOf(part, context).forEach(n -> partOf.putIfAbsent(n, part.name()));
            }
        }
        Map<String, HfBlock> selected = new LinkedHashMap<>();
        ImmutableMmAdapterConfig plain = ImmutableMmAdapterConfig.copyOf(config).withTargetComponents(List.of());
        if (!partOf.isEmpty()) {
            selected.putAll(Targets.select(plain.withTargetRegex(Optional.empty()).withTargetModules(partOf.keySet()), context, SUBLAYER));
        }
        if (!config.targetModules().isEmpty() || config.targetRegex().isPresent()) {
            selected.putAll(Targets.select(plain, context, SUBLAYER));
        }
        Defaults d = Defaults.of(context.model().config());
        int dim = config.adapterDim().orElse(d.dim);
        if (dim % config.groups() != 0) {
            throw new PeftException("MmAdapterConfig.adapter_dim " + dim + " is not a multiple of groups " + config.groups());
        }
        Map<String, MmAdapterPlan.Module> modules = new LinkedHashMap<>();
        boolean modalityRouting = false;
        for (Map.Entry<String, HfBlock> e : context.modules().entrySet()) {
            if (!selected.containsKey(e.getKey())) {
                continue;
            }
            SublayerBlock s = (SublayerBlock) e.getValue();
            if (s.width() % config.groups() != 0) {
                throw new PeftException("MM-Adapter target '" + e.getKey() + "' is " + s.width() + " wide, not a multiple of groups " + config.groups());
            }
            MmAdapterLayer.Routing routing = insideIsolatingStack(e.getKey(), context)
                    ? MmAdapterLayer.Routing.MODALITY_TOKEN : MmAdapterLayer.Routing.PER_TOKEN;
            modalityRouting |= routing == MmAdapterLayer.Routing.MODALITY_TOKEN;
            modules.put(e.getKey(), new MmAdapterPlan.Module(e.getKey(), s.width(), routing,
                    partOf.getOrDefault(e.getKey(), context.partOf(e.getKey()))));
        }
        MmAdapterConfig resolved = resolve(config, dim, config.temperature().orElse(d.temperature),
                config.adapterScale().orElse(d.scale), modules, context);
        return new MmAdapterPlan(resolved, modules, fullTensors(config, modalityRouting, context));
    }

    /** LaVIN's values from a LaVIN config, else the paper's 7B ones. */
    private record Defaults(int dim, double temperature, double scale) {
        static Defaults of(Optional<ModelConfig> config) {
            if (config.isPresent() && config.get() instanceof LavinConfig) {
                LavinConfig c = (LavinConfig) config.get();
                return new Defaults(c.adapterDim(), c.routerTemperature(), c.adapterScale());
            }
            return new Defaults(8, 10.0, 1.0);
        }
    }

    /** The sub-layers of a component: the parents of its projections, which must be residual sub-layers. */
    private static Set<String> sublayersOf(Component part, PlanContext context) {
        if (!PLACES.contains(part)) {
            throw new PeftException("component " + part + " has no attention or feed-forward sub-layer an MM-Adapter can go before;"
                    + " MM-Adapters go on " + PLACES + " (train " + part + " in full instead)");
        }
        Set<String> out = new LinkedHashSet<>();
        for (String name : context.namesOf(part)) {
            int dot = name.lastIndexOf('.');
            String parent = dot < 0 ? "" : name.substring(0, dot);
            if (context.modules().get(parent) instanceof SublayerBlock) {
                out.add(parent);
            }
        }
        if (out.isEmpty()) {
            throw new TargetNotFoundException(part.name(), "residual sub-layer", List.of());
        }
        return out;
    }

    /** Whether a module lies in a LLaMA stack whose leading positions are isolated tokens (LaVIN's modality token). */
    private static boolean insideIsolatingStack(String module, PlanContext context) {
        for (Map.Entry<String, HfBlock> e : context.modules().entrySet()) {
            if (e.getValue() instanceof LlamaTransformer && ((LlamaTransformer) e.getValue()).isolatedLeadingPositions() > 0
                    && (e.getKey().isEmpty() || module.startsWith(e.getKey() + "."))) {
                return true;
            }
        }
        return false;
    }

    /** The modality embedding (when a router reads the modality token) and the connector (LaVIN trains both). */
    private static Map<String, FullTensor> fullTensors(MmAdapterConfig config, boolean modalityRouting, PlanContext context) {
        Map<String, FullTensor> out = new LinkedHashMap<>();
        if (modalityRouting) {
            String name = context.parameterShapes().keySet().stream()
                    .filter(n -> n.equals(MODALITY_EMBEDDING) || n.endsWith("." + MODALITY_EMBEDDING)).findFirst()
                    .orElseThrow(() -> new PeftException("the language model's MM-Adapters route on a modality token, but the model has no '"
                            + MODALITY_EMBEDDING + "' tensor"));
            out.put(name, new FullTensor(name, context.parameterShapes().get(name), PlanContext.FILE_PREFIX + name, "MODALITY_EMBEDDING", "full"));
        }
        if (config.trainConnector()) {
            for (String module : context.namesOf(Component.LANGUAGE_PROJECTION)) {
                HfBlock block = context.modules().get(module);
                Map<String, Shape> shapes = block == null ? Map.of(module, context.parameterShapes().get(module)) : prefixed(module, block);
                shapes.forEach((name, shape) -> out.put(name, new FullTensor(name, shape, PlanContext.FILE_PREFIX + name,
                        Component.LANGUAGE_PROJECTION.name(), "full")));
            }
        }
        return out;
    }

    private static Map<String, Shape> prefixed(String module, HfBlock block) {
        Map<String, Shape> out = new LinkedHashMap<>();
        block.parameterShapes().forEach((k, v) -> out.put(module + "." + k, v));
        return out;
    }

    /** The configuration as saved: exact sub-layer names and every value the model supplied. */
    private static MmAdapterConfig resolve(MmAdapterConfig config, int dim, double temperature, double scale,
            Map<String, MmAdapterPlan.Module> modules, PlanContext context) {
        ImmutableMmAdapterConfig r = ImmutableMmAdapterConfig.copyOf(config).withModulesToSave(context.modulesToSave())
                .withTrainComponents(List.of()).withAdapterDim(dim).withTemperature(temperature).withAdapterScale(scale);
        if (!config.targetComponents().isEmpty() || !config.hasTargets()) {
            r = r.withTargetComponents(List.of()).withTargetRegex(Optional.empty()).withTargetModules(new TreeSet<>(modules.keySet()));
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
        MmAdapterPlan plan = (MmAdapterPlan) methodPlan;
        MmAdapterConfig c = plan.resolvedConfig();
        String adapter = context.adapter();
        int dim = plan.dim();
        Map<String, String> parameters = new LinkedHashMap<>();
        for (MmAdapterPlan.Module m : plan.modules().values()) {
            MmAdapterLayer layer = context.layer(m.name(), MmAdapterLayer.class, b -> new MmAdapterLayer(m.name(), (SublayerBlock) b));
            MmAdapterLayer.Slot slot = layer.add(adapter, dim, c.groups(), c.temperature().orElseThrow(), c.adapterScale().orElseThrow(),
                    c.adapterDropout(), m.routing());
            long seed = context.seed();
            int w = m.width();
            int inGroup = dim / c.groups();
            // LaVIN: conv_A Xavier-uniform, bias zero; conv_B, conv_D zero; expert_weights nn.Linear's default
            set(slot.convA, "weight", new Shape(dim, w), uniform(dim * w, Math.sqrt(6.0 / (w + dim)),
                    LoraInit.stream(seed, adapter, m.name(), "conv_A")), context);
            set(slot.convA, "bias", new Shape(dim), new float[dim], context);
            set(slot.convB, "weight", new Shape(w, inGroup), new float[w * inGroup], context);
            set(slot.convB, "bias", new Shape(w), new float[w], context);
            set(slot.convD, "weight", new Shape(w, inGroup), new float[w * inGroup], context);
            set(slot.convD, "bias", new Shape(w), new float[w], context);
            SplittableRandom router = LoraInit.stream(seed, adapter, m.name(), "expert_weights");
            set(slot.router, "weight", new Shape(2, w), uniform(2 * w, 1.0 / Math.sqrt(w), router), context);
            set(slot.router, "bias", new Shape(2), uniform(2, 1.0 / Math.sqrt(w), router), context);
            String prefix = m.name() + ".mm_adapter." + adapter + ".";
            for (String t : MmAdapterPlan.TENSORS) {
                parameters.put(m.key(t), prefix + t);
            }
            for (Linear l : new Linear[] {slot.convA, slot.convB, slot.convD, slot.router}) {
                l.getParameters().values().forEach(p -> p.freeze(true));
            }
        }
        return new Attachment(parameters);
    }

    private static float[] uniform(int n, double bound, SplittableRandom random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return v;
    }

    private static void set(Linear l, String parameter, Shape shape, float[] values, AttachContext context) {
        NDArray a = ParameterArrays.create(context.manager(), shape, values);
        l.parameter(parameter).setArray(a);
    }
}
