package dev.mmpeft.peft.dma;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.qformer.QFormerEncoder;
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
import java.util.ArrayList;
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
 * PETAL (dynamic mode approximation, instruction experts, information bottleneck) as a PEFT method;
 * {@code peft_type} {@value DmaConfig#PEFT_TYPE}, this SDK's own. See the package documentation.
 */
public final class DmaMethod implements PeftMethod<DmaConfig> {
    private static final Targets.Kind LINEAR = Targets.Kind.linear("DMA applies to the Q-Former's attention projections only");
    /** A Q-Former attention projection: its stack, its layer, self- or cross-attention, and which projection. */
    private static final Pattern PROJECTION = Pattern.compile("^(.*)\\.layer\\.(\\d+)\\.(attention|crossattention)\\.attention\\.(query|key|value)$");

    @Override
    public String peftType() {
        return DmaConfig.PEFT_TYPE;
    }

    @Override
    public String label() {
        return "dma";
    }

    @Override
    public Class<DmaConfig> configType() {
        return DmaConfig.class;
    }

    /** Not a Hugging Face PEFT type: PEFT-only readers refuse it. */
    @Override
    public boolean isPeftType() {
        return false;
    }

    @Override
    public DmaConfig readConfig(JsonNode root, String source) {
        return DmaFormat.read(root, source);
    }

    @Override
    public ObjectNode writeConfig(DmaConfig resolved) {
        return DmaFormat.write(resolved);
    }

    @Override
    public boolean ownsFileKey(String key) {
        return key.contains(".dma_") || key.startsWith(DmaPlan.AIM_WEIGHT.substring(0, DmaPlan.AIM_WEIGHT.lastIndexOf('.')))
                || key.startsWith(PlanContext.FILE_PREFIX + "sib.");
    }

    @Override
    public MethodPlan plan(DmaConfig config, PlanContext context) {
        List<DmaPlan.Projection> projections = new ArrayList<>();
        Optional<DmaPlan.Stack> stack = Optional.empty();
        if (config.modeApproximation()) {
            Set<String> chosen = projections(config, context);
            String stackName = null;
            for (String m : chosen) {
                Matcher pm = PROJECTION.matcher(m);
                if (!pm.matches()) {
                    throw new PeftException("DMA adapts the Q-Former's attention projections (query, key, value of"
                            + " attention.attention and crossattention.attention); target '" + m + "' is not one");
                }
                String s = pm.group(1);
                if (stackName != null && !stackName.equals(s)) {
                    throw new PeftException("DMA shares its factors within one Q-Former; targets span '" + stackName + "' and '" + s + "'");
                }
                stackName = s;
                boolean cross = pm.group(3).equals("crossattention");
                boolean image = cross && !pm.group(4).equals("query");
                projections.add(new DmaPlan.Projection(m, image ? DmaPlan.Modality.IMAGE : DmaPlan.Modality.TEXT,
                        cross ? Component.QFORMER_CROSS_ATTN.name() : Component.QFORMER_SELF_ATTN.name()));
            }
            stack = Optional.of(stackOf(stackName, projections, context));
        }
        Optional<DmaPlan.Experts> experts = experts(config, context);
        return new DmaPlan(config, resolve(config, projections, context), stack, projections, experts);
    }

    /** The targeted projections in model order: components mapped to q, k, v of their attention blocks, plus names. */
    private static Set<String> projections(DmaConfig config, PlanContext context) {
        Set<Component> components = config.hasTargets() ? config.targetComponents() : EnumSet.of(Component.QFORMER_ALL);
        Set<String> roles = new LinkedHashSet<>();
        for (Component c : components) {
            Set<String> blocks = new LinkedHashSet<>();
            for (Component part : c.parts()) {
                if (part != Component.QFORMER_SELF_ATTN && part != Component.QFORMER_CROSS_ATTN && part != Component.QFORMER_FFN) {
                    throw new PeftException("component " + part + ": DMA adapts the Q-Former's attention (QFORMER_SELF_ATTN,"
                            + " QFORMER_CROSS_ATTN, QFORMER_ALL) only");
                }
                for (String n : context.namesOf(part)) {
                    Matcher m = Pattern.compile("^(.*\\.(attention|crossattention)\\.attention)\\.[a-z]+$").matcher(n);
                    if (m.matches()) {
                        blocks.add(m.group(1));
                    }
                }
            }
            if (blocks.isEmpty()) {
                throw new TargetNotFoundException(c.name(), "attention projection", List.of());
            }
            blocks.forEach(b -> List.of("query", "key", "value").forEach(p -> roles.add(b + "." + p)));
        }
        ImmutableDmaConfig byName = ImmutableDmaConfig.copyOf(config).withTargetComponents(List.of());
        Set<String> chosen = new LinkedHashSet<>();
        if (!config.targetModules().isEmpty() || config.targetRegex().isPresent()) {
            chosen.addAll(Targets.select(byName, context, LINEAR).keySet());
        }
        Set<String> out = new LinkedHashSet<>();
        context.modules().forEach((name, block) -> {
            boolean fromComponent = roles.contains(name)
                    && TargetMatcher.check(byName, context.modulesToSave(), roles, name) == TargetMatcher.Result.MATCHED;
            if (fromComponent || chosen.contains(name)) {
                out.add(name);
            }
        });
        if (out.isEmpty()) {
            throw new TargetNotFoundException("the DMA targets", "attention projection", List.of());
        }
        return out;
    }

    private static DmaPlan.Stack stackOf(String stackName, List<DmaPlan.Projection> projections, PlanContext context) {
        HfBlock stack = context.modules().get(stackName);
        if (!(stack instanceof QFormerEncoder)) {
            throw new PeftException("DMA needs the Q-Former layer stack '" + stackName + "'; it is "
                    + (stack == null ? "missing" : "a " + stack.getClass().getSimpleName()));
        }
        int layers = ((QFormerEncoder) stack).layers().items().size();
        int hidden = -1;
        int image = -1;
        for (DmaPlan.Projection p : projections) {
            Linear l = (Linear) context.modules().get(p.module());
            hidden = l.outFeatures();
            if (p.modality() == DmaPlan.Modality.IMAGE) {
                image = l.inFeatures();
            }
        }
        if (image < 0) {
            // no image projection targeted: read the width from any cross-attention key of the stack
            for (Map.Entry<String, HfBlock> e : context.modules().entrySet()) {
                if (e.getKey().startsWith(stackName + ".") && e.getKey().endsWith(".crossattention.attention.key")) {
                    image = ((Linear) e.getValue()).inFeatures();
                    break;
                }
            }
        }
        return new DmaPlan.Stack(stackName, hidden, Math.max(image, 0), layers);
    }

    /** AIM's experts: each instruction tokenized once by the model's processor ({@code {instruction}}: the example's own). */
    private static Optional<DmaPlan.Experts> experts(DmaConfig config, PlanContext context) {
        if (config.aimExperts() == 0) {
            return Optional.empty();
        }
        int width = -1;
        for (Map.Entry<String, HfBlock> e : context.modules().entrySet()) {
            if (e.getValue() instanceof InstructBlip) {
                width = ((InstructBlip) e.getValue()).config().qformerConfig().hiddenSize();
            }
        }
        if (width < 0) {
            throw new PeftException("AIM (aim_experts = " + config.aimExperts() + ") needs an InstructBLIP model: its instructions"
                    + " are encoded by the Q-Former");
        }
        List<String> instructions = config.expertInstructions();
        List<Optional<long[]>> ids = new ArrayList<>();
        for (String text : instructions) {
            if (text.equals(DmaConfig.OWN_INSTRUCTION)) {
                ids.add(Optional.empty());
            } else if (text.contains("{") || text.contains("}")) {
                throw new PeftException("DmaConfig.aim_instructions: '" + text + "' has a placeholder; an instruction is either"
                        + " exactly " + DmaConfig.OWN_INSTRUCTION + " (the example's own) or plain text");
            } else {
                ids.add(Optional.of(context.model().instructionIds(text).orElse(new long[0])));
            }
        }
        return Optional.of(new DmaPlan.Experts(instructions, ids, width));
    }

    /** The configuration as saved: components become the exact projection names; the instruction set is written out. */
    private static DmaConfig resolve(DmaConfig config, List<DmaPlan.Projection> projections, PlanContext context) {
        ImmutableDmaConfig r = ImmutableDmaConfig.copyOf(config).withModulesToSave(context.modulesToSave())
                .withTrainComponents(List.of());
        if (config.modeApproximation() && (!config.targetComponents().isEmpty() || !config.hasTargets())) {
            Set<String> names = new TreeSet<>();
            projections.forEach(p -> names.add(p.module()));
            r = r.withTargetComponents(List.of()).withTargetRegex(Optional.empty()).withTargetModules(names);
        }
        if (config.aimExperts() > 0) {
            r = r.withAimInstructions(config.expertInstructions());
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
        DmaPlan plan = (DmaPlan) methodPlan;
        Map<String, String> parameters = new LinkedHashMap<>();
        plan.stack().ifPresent(s -> attachDma(plan, s, context, parameters));
        if (plan.experts().isPresent() || plan.config().sib()) {
            attachInstructions(plan, context, parameters);
        }
        return new Attachment(parameters);
    }

    private static void attachDma(DmaPlan plan, DmaPlan.Stack s, AttachContext context, Map<String, String> parameters) {
        String adapter = context.adapter();
        DmaConfig c = plan.config();
        DmaStackLayer shared = context.layer(s.module(), DmaStackLayer.class, b -> new DmaStackLayer(s.module(), (QFormerEncoder) b));
        DmaStackLayer.Slot slot = shared.add(adapter, plan);
        String prefix = s.module() + ".dma." + adapter + ".";
        for (DmaPlan.Modality m : DmaPlan.Modality.values()) {
            if (!plan.uses(m)) {
                continue;
            }
            plan.factorShapes(m).forEach((n, shape) -> {
                var random = LoraInit.stream(context.seed(), adapter, s.module(), m.prefix + "." + n);
                float[] values = n.equals("U") ? DmaInit.linear((int) shape.get(0), (int) shape.get(1), random)
                        : n.equals("V") ? new float[(int) shape.size()] // zero: the model starts as the base model
                        : DmaInit.xavierUniform(shape.getShape(), random);
                String local = DmaStackLayer.Slot.local(m, n);
                slot.parameter(local).setArray(ParameterArrays.create(context.manager(), shape, values));
                parameters.put(s.key(m.prefix + "." + n), prefix + local);
            });
        }
        if (c.gamma()) {
            for (String g : new String[] {"scale", "shift"}) {
                var shape = new ai.djl.ndarray.types.Shape(s.layers(), s.hidden());
                var random = LoraInit.stream(context.seed(), adapter, s.module(), "gamma." + g);
                slot.parameter("gamma_" + g).setArray(ParameterArrays.create(context.manager(), shape,
                        DmaInit.normal((int) shape.size(), c.gammaInitStd(), random)));
                parameters.put(s.key("dma_gamma." + g), prefix + "gamma_" + g);
            }
        }
        slot.getParameters().values().forEach(p -> p.freeze(true));
        for (DmaPlan.Projection p : plan.projections()) {
            DmaLinearLayer layer = context.layer(p.module(), DmaLinearLayer.class, b -> new DmaLinearLayer(p.module(), (Linear) b, shared));
            DmaLinearLayer.Slot ls = layer.add(adapter, c.rank(), p.modality());
            var random = LoraInit.stream(context.seed(), adapter, p.module(), "lambda");
            ls.parameter("lambda").setArray(ParameterArrays.create(context.manager(), new ai.djl.ndarray.types.Shape(c.rank()),
                    DmaInit.xavierUniform(new long[] {c.rank(), 1}, random)));
            ls.getParameters().values().forEach(q -> q.freeze(true));
            parameters.put(p.lambdaKey(), p.module() + ".dma." + adapter + ".lambda");
        }
    }

    private static void attachInstructions(DmaPlan plan, AttachContext context, Map<String, String> parameters) {
        String adapter = context.adapter();
        HfBlock root = context.module("");
        if (!(root instanceof InstructBlip)) {
            throw new PeftException("AIM and SIB need an InstructBLIP model; the adapted model is a " + root.getClass().getSimpleName());
        }
        plan.experts().ifPresent(e -> {
            for (Optional<long[]> ids : e.ids()) {
                if (ids.isPresent() && ids.get().length == 0) {
                    throw new PeftException("AIM needs the model's processor to tokenize its instructions; adapt the model with"
                            + " its processor (Peft.dma()...on(model, processor, name))");
                }
            }
        });
        InstructionLayer layer = context.layer("", InstructionLayer.class, b -> new InstructionLayer((InstructBlip) b));
        InstructionLayer.Slot slot = layer.add(adapter, plan);
        String prefix = "petal." + adapter + ".";
        plan.experts().ifPresent(e -> {
            slot.parameter("aim_gate_weight").setArray(ParameterArrays.create(context.manager(),
                    new ai.djl.ndarray.types.Shape(e.width()), new float[e.width()]));
            slot.parameter("aim_gate_bias").setArray(ParameterArrays.create(context.manager(),
                    new ai.djl.ndarray.types.Shape(e.instructions().size()), new float[e.instructions().size()]));
            parameters.put(DmaPlan.AIM_WEIGHT, prefix + "aim_gate_weight");
            parameters.put(DmaPlan.AIM_BIAS, prefix + "aim_gate_bias");
        });
        if (plan.config().sib()) {
            // CLIP's initial temperature 0.07
            slot.parameter("sib_logit_scale").setArray(ParameterArrays.create(context.manager(), new ai.djl.ndarray.types.Shape(1),
                    new float[] {(float) Math.log(1 / 0.07)}));
            parameters.put(DmaPlan.SIB_SCALE, prefix + "sib_logit_scale");
        }
        slot.getParameters().values().forEach(p -> p.freeze(true));
    }
}
