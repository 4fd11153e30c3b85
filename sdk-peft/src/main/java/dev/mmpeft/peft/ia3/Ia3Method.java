package dev.mmpeft.peft.ia3;

import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * (IA)³ as Hugging Face PEFT computes it: a learned vector per targeted linear layer, ones at the
 * start, scaling an attention layer's output or a feed-forward layer's input (see {@link Ia3Config}).
 */
public final class Ia3Method implements PeftMethod<Ia3Config> {
    private static final Targets.Kind LINEAR = Targets.Kind.linear("IA3 applies to linear layers only");

    @Override
    public String peftType() {
        return Ia3Config.PEFT_TYPE;
    }

    @Override
    public String label() {
        return "ia3";
    }

    @Override
    public Class<Ia3Config> configType() {
        return Ia3Config.class;
    }

    @Override
    public Ia3Config readConfig(JsonNode root, String source) {
        return Ia3Format.read(root, source);
    }

    @Override
    public ObjectNode writeConfig(Ia3Config resolved) {
        return Ia3Format.write(resolved);
    }

    @Override
    public boolean ownsFileKey(String key) {
        return key.endsWith(".ia3_l") || key.contains(".ia3_l.");
    }

    @Override
    public MethodPlan plan(Ia3Config config, PlanContext context) {
        Map<String, HfBlock> modules = context.modules();
        ImmutableIa3Config byName = ImmutableIa3Config.copyOf(config).withTargetComponents(List.of());
        Optional<Ia3Family> defaults = Optional.empty();
        Set<String> chosen = new LinkedHashSet<>();
        if (!config.targetModules().isEmpty() || config.targetRegex().isPresent()) {
            chosen.addAll(Targets.select(byName, context, LINEAR).keySet());
        }
        if (!config.targetComponents().isEmpty()) {
            Set<String> roles = componentModules(config, context);
            for (String m : roles) {
                if (TargetMatcher.check(byName, context.modulesToSave(), roles, m) == TargetMatcher.Result.MATCHED) {
                    chosen.add(m);
                }
            }
        }
        if (!config.hasTargets()) {
            defaults = Optional.of(defaultFamily(modules));
            chosen.addAll(Targets.select(byName.withTargetModules(defaults.get().targets()), context, LINEAR).keySet());
        }
        Map<String, Ia3Plan.Module> planned = new LinkedHashMap<>();
        for (Map.Entry<String, HfBlock> e : modules.entrySet()) {
            if (chosen.contains(e.getKey())) {
                Linear linear = (Linear) e.getValue();
                planned.put(e.getKey(), new Ia3Plan.Module(e.getKey(), linear.inFeatures(), linear.outFeatures(),
                        isFeedforward(config, e.getKey(), modules), part(e.getKey(), context)));
            }
        }
        if (context.strict()) {
            for (String entry : config.feedforwardModules().orElse(List.of())) {
                if (planned.keySet().stream().noneMatch(m -> m.endsWith(entry))) {
                    throw new PeftException("IA3Config.feedforward_modules entry '" + entry + "' matches none of the "
                            + planned.size() + " targeted modules; expected the name (or name suffix) of a targeted module");
                }
            }
        }
        return new Ia3Plan(config, Ia3Resolution.resolve(config, planned, defaults, context), planned);
    }

    /** Feed-forward by the config's {@code feedforward_modules}, or by the module's family table when they are not given. */
    static boolean isFeedforward(Ia3Config config, String module, Map<String, HfBlock> modules) {
        return config.explicitFeedforward(module)
                .orElseGet(() -> Ia3Family.containing(module, modules).map(f -> f.isFeedforward(module)).orElse(false));
    }

    /**
     * The modules of the targeted components that have an IA3 role: each component module stands for
     * its block (its parent), whose linear layers with a key, value or feed-forward role by the
     * family table are taken (a T5 {@code LLM_ATTN} is {@code q, v}, so IA3 takes the {@code k, v}
     * beside them).
     *
     * @throws PeftException when a component has no such module
     */
    private static Set<String> componentModules(Ia3Config config, PlanContext context) {
        Map<String, HfBlock> modules = context.modules();
        Map<String, List<String>> children = new LinkedHashMap<>();
        for (String m : modules.keySet()) {
            if (!m.isEmpty()) {
                children.computeIfAbsent(parent(m), k -> new ArrayList<>()).add(m);
            }
        }
        Set<String> out = new LinkedHashSet<>();
        for (Component c : config.targetComponents()) {
            Set<String> names = context.namesOf(c);
            if (names.isEmpty()) {
                throw new TargetNotFoundException(c.name(), "module", List.of());
            }
            Set<String> found = new LinkedHashSet<>();
            for (String n : names) {
                for (String sibling : children.getOrDefault(parent(n), List.of())) {
                    if (modules.get(sibling) instanceof Linear
                            && Ia3Family.containing(sibling, modules).map(f -> f.hasRole(sibling)).orElse(false)) {
                        found.add(sibling);
                    }
                }
            }
            if (found.isEmpty()) {
                List<String> some = new ArrayList<>(names).subList(0, Math.min(3, names.size()));
                throw new PeftException("component " + c + " has no module IA3 can take: IA3 scales key and value projections"
                        + " and feed-forward output layers (T5 k, v, wo; LLaMA k_proj, v_proj, down_proj; Q-Former key, value,"
                        + " output.dense), and " + c + " is " + some + (names.size() > 3 ? " and " + (names.size() - 3) + " more" : "")
                        + "; target another component, or train this one in full with .train(" + c + ")");
            }
            out.addAll(found);
        }
        return out;
    }

    /** The family whose defaults apply without targets: the language model's (PEFT adapts by the LLM's model_type). */
    private static Ia3Family defaultFamily(Map<String, HfBlock> modules) {
        for (Ia3Family preferred : new Ia3Family[] {Ia3Family.T5, Ia3Family.LLAMA, Ia3Family.BERT, Ia3Family.QFORMER}) {
            for (HfBlock b : modules.values()) {
                if (Ia3Family.of(b).filter(preferred::equals).isPresent()) {
                    return preferred;
                }
            }
        }
        throw new PeftException("IA3Config has no target_modules, and the model is of no family with IA3 defaults"
                + " (PEFT's tables: t5, llama, bert); name the targets, e.g. .target(\"k\", \"v\", \"wo\").feedforward(\"wo\")");
    }

    /** The report part: the module's component, else a sibling's (a T5 {@code k} sits beside {@code q} of LLM_ATTN), else {@code other}. */
    private static String part(String module, PlanContext context) {
        Optional<Component> own = context.componentOf(module);
        if (own.isPresent()) {
            return own.get().name();
        }
        String parent = parent(module);
        for (String sibling : context.modules().keySet()) {
            if (!sibling.equals(module) && !sibling.isEmpty() && parent(sibling).equals(parent)) {
                Optional<Component> c = context.componentOf(sibling);
                if (c.isPresent()) {
                    return c.get().name();
                }
            }
        }
        return "other";
    }

    private static String parent(String module) {
        int dot = module.lastIndexOf('.');
        return dot < 0 ? "" : module.substring(0, dot);
    }

    @Override
    public Attachment attach(MethodPlan methodPlan, AttachContext context) {
        Ia3Plan plan = (Ia3Plan) methodPlan;
        String adapter = context.adapter();
        Map<String, String> parameters = new LinkedHashMap<>();
        for (Ia3Plan.Module m : plan.modules().values()) {
            Ia3Layer layer = context.layer(m.name(), Ia3Layer.class, block -> new Ia3Layer(m.name(), (Linear) block, m.feedforward()));
            if (layer.feedforward() != m.feedforward()) {
                // PEFT keeps a layer's is_feedforward from its first adapter; different shapes cannot share it
                throw new PeftException("module '" + m.name() + "' already carries an IA3 adapter that treats it as "
                        + (layer.feedforward() ? "feed-forward" : "attention") + "; adapter '" + adapter + "' treats it as "
                        + (m.feedforward() ? "feed-forward" : "attention") + " (set feedforward_modules alike)");
            }
            Parameter vector = layer.add(adapter);
            int n = Math.toIntExact(m.shape().size());
            float[] values = new float[n];
            if (plan.config().initIa3Weights()) {
                Arrays.fill(values, 1f);
            } else {
                gaussian(values, LoraInit.stream(context.seed(), adapter, m.name(), "ia3_l"));
            }
            vector.setArray(ParameterArrays.create(context.manager(), m.shape(), values));
            vector.freeze(true);
            parameters.put(m.key(), m.name() + "." + Ia3Layer.CONTAINER + "." + adapter);
        }
        return new Attachment(parameters);
    }

    /** PEFT's {@code torch.randn} start when {@code init_ia3_weights} is false: N(0, 1) (Box-Muller). */
    private static void gaussian(float[] values, SplittableRandom random) {
        for (int i = 0; i < values.length; i++) {
            double u1 = random.nextDouble();
            double u2 = random.nextDouble();
            values[i] = (float) (Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
    }
}
