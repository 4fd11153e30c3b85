package dev.mmpeft.peft.adaptionprompt;

import static dev.mmpeft.peft.format.ConfigJson.integer;
import static dev.mmpeft.peft.format.ConfigJson.strings;
import static dev.mmpeft.peft.format.ConfigJson.text;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.models.llama.LlamaAttention;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.format.ForeignOptions;
import dev.mmpeft.peft.format.TargetFields;
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
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * LLaMA-Adapter's gated adaption prompts as Hugging Face PEFT computes and saves them (see the
 * package documentation); the top {@code adapter_layers} modules named {@code target_modules}, in
 * model order, as PEFT's {@code AdaptionPromptModel} picks them.
 */
public final class AdaptionPromptMethod implements PeftMethod<AdaptionPromptConfig> {
    @Override
    public String peftType() {
        return AdaptionPromptConfig.PEFT_TYPE;
    }

    @Override
    public String label() {
        return "adaption-prompt";
    }

    @Override
    public Class<AdaptionPromptConfig> configType() {
        return AdaptionPromptConfig.class;
    }

    @Override
    public boolean ownsFileKey(String key) {
        return key.endsWith(".adaption_prompt") || key.endsWith(".adaption_gate");
    }

    @Override
    public AdaptionPromptConfig readConfig(JsonNode root, String source) {
        ForeignOptions.refuse(root, source, AdaptionPromptConfig.PEFT_TYPE, Set.of());
        AdaptionPromptConfig.Builder b = AdaptionPromptConfig.builder();
        b.adapterLen(integer(root, "adapter_len", source)
                .orElseThrow(() -> new PeftException(source + ": adapter_len is missing; an ADAPTION_PROMPT adapter needs it")));
        b.adapterLayers(integer(root, "adapter_layers", source)
                .orElseThrow(() -> new PeftException(source + ": adapter_layers is missing; an ADAPTION_PROMPT adapter needs it")));
        text(root, "target_modules", source).ifPresent(b::targetModules);
        TargetFields.readCommon(root, source, b);
        try {
            return b.build();
        } catch (PeftException e) {
            throw new PeftException(source + ": " + e.getMessage(), e);
        }
    }

    /** PEFT's keys, sorted; {@code modules_to_save} (which PEFT's config lacks) only when something trains in full. */
    @Override
    public ObjectNode writeConfig(AdaptionPromptConfig c) {
        if (!c.trainComponents().isEmpty()) {
            throw new IllegalStateException("components to train must be resolved to module names before writing adapter_config.json");
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> m = new TreeMap<>();
        m.put("adapter_layers", f.numberNode(c.adapterLayers()));
        m.put("adapter_len", f.numberNode(c.adapterLen()));
        m.put("auto_mapping", f.nullNode());
        m.put("base_model_name_or_path", c.baseModelNameOrPath().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("inference_mode", f.booleanNode(true));
        if (!c.modulesToSave().isEmpty()) {
            m.put("modules_to_save", strings(c.modulesToSave()));
        }
        m.put("peft_type", f.textNode(AdaptionPromptConfig.PEFT_TYPE));
        m.put("revision", c.revision().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("target_modules", f.textNode(c.targetModules()));
        m.put("task_type", c.taskType().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        ObjectNode root = f.objectNode();
        m.forEach(root::set);
        return root;
    }

    @Override
    public MethodPlan plan(AdaptionPromptConfig config, PlanContext context) {
        String target = config.targetModules();
        List<String> matches = new ArrayList<>();
        boolean anyLlama = false;
        for (Map.Entry<String, HfBlock> e : context.modules().entrySet()) {
            anyLlama |= e.getValue() instanceof LlamaAttention;
            if (e.getKey().equals(target) || e.getKey().endsWith("." + target)) {
                matches.add(e.getKey());
            }
        }
        if (!anyLlama) {
            throw new PeftException("adaption prompts (LLaMA-Adapter) are for LLaMA-family language models only; this model has no"
                    + " LLaMA self-attention" + languageModel(context));
        }
        if (matches.size() < config.adapterLayers()) {
            throw new PeftException("AdaptionPromptConfig.adapter_layers is " + config.adapterLayers() + " but the model has only "
                    + matches.size() + " '" + target + "' modules");
        }
        // PEFT: the last adapter_layers matches in model order are the top layers
        List<String> top = matches.subList(matches.size() - config.adapterLayers(), matches.size());
        int hidden = -1;
        for (String name : top) {
            HfBlock b = context.modules().get(name);
            if (!(b instanceof LlamaAttention)) {
                throw new PeftException("adaption prompt target '" + name + "' is a " + b.getClass().getSimpleName()
                        + "; adaption prompts go on LLaMA self-attention (LlamaAttention) only");
            }
            hidden = ((LlamaAttention) b).width();
        }
        ImmutableAdaptionPromptConfig resolved = ImmutableAdaptionPromptConfig.copyOf(config)
                .withModulesToSave(context.modulesToSave()).withTrainComponents(List.of());
        if (resolved.baseModelNameOrPath().isEmpty()) {
            resolved = resolved.withBaseModelNameOrPath(context.model().nameOrPath());
        }
        if (resolved.taskType().isEmpty()) {
            resolved = resolved.withTaskType(context.model().taskType());
        }
        return new AdaptionPromptPlan(config, resolved, top, hidden);
    }

    private static String languageModel(PlanContext context) {
        HfBlock lm = context.modules().get("language_model");
        return lm == null ? "" : " (its language model is a " + lm.getClass().getSimpleName() + ")";
    }

    @Override
    public Attachment attach(MethodPlan methodPlan, AttachContext context) {
        AdaptionPromptPlan plan = (AdaptionPromptPlan) methodPlan;
        String adapter = context.adapter();
        int len = plan.config().adapterLen();
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String module : plan.targetedModules()) {
            AdaptionPromptLayer layer = context.layer(module, AdaptionPromptLayer.class,
                    b -> new AdaptionPromptLayer(module, (LlamaAttention) b));
            AdaptionPromptLayer.Slot slot = layer.add(adapter, len);
            // the official LLaMA-Adapter and PEFT: prompt N(0, 1), gate zero ("zero-init attention")
            SplittableRandom random = LoraInit.stream(context.seed(), adapter, module, "adaption_prompt");
            float[] prompt = new float[len * slot.hidden];
            for (int i = 0; i < prompt.length; i++) {
                double u1 = random.nextDouble();
                double u2 = random.nextDouble();
                prompt[i] = (float) (Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
            }
            slot.parameter("adaption_prompt").setArray(ParameterArrays.create(context.manager(), new Shape(1, len, slot.hidden), prompt));
            slot.parameter("adaption_gate").setArray(ParameterArrays.create(context.manager(), new Shape(1), new float[1]));
            slot.getParameters().values().forEach(p -> p.freeze(true));
            String at = module + ".adaption." + adapter + ".";
            parameters.put(AdaptionPromptPlan.promptKey(module), at + "adaption_prompt");
            parameters.put(AdaptionPromptPlan.gateKey(module), at + "adaption_gate");
        }
        return new Attachment(parameters);
    }
}
