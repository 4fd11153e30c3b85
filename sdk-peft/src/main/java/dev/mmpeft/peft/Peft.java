package dev.mmpeft.peft;

import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.format.AdapterFiles;
import dev.mmpeft.peft.internal.AdapterPlan;
import dev.mmpeft.peft.adaptionprompt.AdaptionPromptConfig;
import dev.mmpeft.peft.bottleneck.BottleneckConfig;
import dev.mmpeft.peft.lora.LoraConfig;
import dev.mmpeft.peft.prefix.PrefixTuningConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * Entry point of the PEFT API:
 *
 * <pre>{@code
 * PeftModel<InstructBlip> model = Peft.lora().rank(2).alpha(8)
 *         .target(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN)
 *         .on(base);
 * System.out.println(model.trainableParameters());   // trainable params: ... || all params: ... || trainable%: ...
 * model.save(Path.of("adapters/sqa-r2"));            // adapter_config.json + adapter_model.safetensors
 * }</pre>
 *
 * <p>Each method's builder is its configuration's own builder: {@code Peft.lora()} is
 * {@link LoraConfig#builder()}, so the fluent names ({@code rank}, {@code alpha}) and PEFT's
 * ({@code r}, {@code loraAlpha}) set the same fields. Defaults are PEFT's. Only the targeted layers
 * train: the query tokens and the language projection stay frozen unless asked for
 * ({@code .train(QUERY_TOKENS, LANGUAGE_PROJECTION)}), which keeps the parameter counts those of
 * the papers' per-component tables; the vision encoder stays frozen unless targeted explicitly.
 */
public final class Peft {
    private Peft() {}

    /** A LoRA configuration ({@code r} 8, {@code lora_alpha} 8, no dropout, A Kaiming-uniform, B zero, {@code bias} none). */
    public static LoraConfig.Builder lora() {
        return LoraConfig.builder();
    }

    /** An (IA)³ configuration (vectors start at one; targets and feed-forward modules from the model family unless given). */
    public static dev.mmpeft.peft.ia3.Ia3Config.Builder ia3() {
        return dev.mmpeft.peft.ia3.Ia3Config.builder();
    }

    /**
     * Bottleneck adapters (Pfeiffer placement by default, {@code houlsby()} for Houlsby) on the
     * language model's layers unless targeted elsewhere; give {@code bottleneck(s)} or
     * {@code reductionFactor(f)}. Saved under this SDK's own {@code peft_type}
     * {@value BottleneckConfig#PEFT_TYPE} (PEFT has no bottleneck adapters).
     */
    public static BottleneckConfig.Builder adapter() {
        return BottleneckConfig.builder();
    }

    /**
     * Prefix tuning (PEFT's {@code PREFIX_TUNING}): {@code virtualTokens(n)} trained key/value
     * prefixes for every self-attention layer of the language model, optionally reparameterised
     * ({@code projection(hidden)}) and folded into plain prefixes when saved.
     */
    public static PrefixTuningConfig.Builder prefix() {
        return PrefixTuningConfig.builder();
    }

    /**
     * LLaMA-Adapter's adaption prompts (PEFT's {@code ADAPTION_PROMPT}): {@code promptLength(n)}
     * learned prompt positions with a zero-initialised gate on the top {@code topLayers(l)} LLaMA
     * self-attention layers (LLaMA-family language models only).
     */
    public static AdaptionPromptConfig.Builder adaptionPrompt() {
        return AdaptionPromptConfig.builder();
    }

    /**
     * PETAL (Zhai et al.): dynamic mode approximation on every attention projection of the Q-Former
     * (rank 64 by default: factors shared across layers, a mode vector per projection, Gamma per
     * layer), optionally the adaptive instruction mixture of experts ({@code aim(n)}) and the
     * score-based information-bottleneck loss ({@code sib(eta)}). Saved under this SDK's own
     * {@code peft_type} {@value dev.mmpeft.peft.dma.DmaConfig#PEFT_TYPE}.
     */
    public static dev.mmpeft.peft.dma.DmaConfig.Builder dma() {
        return dev.mmpeft.peft.dma.DmaConfig.builder();
    }

    /**
     * LaVIN's Mixture-of-Modality Adapters: RepAdapters with a modality router before
     * self-attention in every LLaMA and CLIP layer (dimension, temperature and scale from a LaVIN
     * model's config unless set), with the modality embedding and the visual adapter trained in
     * full. Saved under this SDK's own {@code peft_type} {@value
     * dev.mmpeft.peft.mmadapter.MmAdapterConfig#PEFT_TYPE}.
     */
    public static dev.mmpeft.peft.mmadapter.MmAdapterConfig.Builder mmAdapter() {
        return dev.mmpeft.peft.mmadapter.MmAdapterConfig.builder();
    }

    /** Full fine-tuning of chosen parts. */
    public static FullConfig.Builder full() {
        return FullConfig.builder();
    }

    /** Adapts {@code model} with the adapter saved in {@code dir} (trainable, named "default"). */
    public static <M> PeftModel<M> load(AdaptableModel<M> model, Path dir) {
        return PeftModel.load(model, dir, true);
    }

    /** Adapts {@code model} with the adapter saved in {@code dir}, named "default". */
    public static <M> PeftModel<M> load(AdaptableModel<M> model, Path dir, boolean trainable) {
        return PeftModel.load(model, dir, trainable);
    }

    /** Adapts an InstructBLIP model with the adapter saved in {@code dir} (trainable, named "default"). */
    public static PeftModel<InstructBlip> load(InstructBlip model, Path dir) {
        return PeftModel.load(Adaptables.instructBlip(model), dir, true);
    }

    /** Adapts an InstructBLIP model with the adapter saved in {@code dir}, named "default". */
    public static PeftModel<InstructBlip> load(InstructBlip model, Path dir, boolean trainable) {
        return PeftModel.load(Adaptables.instructBlip(model), dir, trainable);
    }

    /**
     * Adapts an InstructBLIP model with the adapter saved in {@code dir} (trainable, named
     * "default"), with the processor that turns prompts into its inputs: ready for the trainer.
     */
    public static PeftModel<InstructBlip> load(InstructBlip model, InstructBlipProcessor processor, Path dir) {
        return PeftModel.load(Adaptables.instructBlip(model, processor), dir, true);
    }

    /** Reads and validates the {@code adapter_config.json} of an adapter directory (any method this SDK reads). */
    public static PeftConfig readConfig(Path dir) {
        return AdapterFiles.readConfig(dir);
    }

    /** The trainable-parameter report {@code config} would give on {@code structure}, from declared shapes alone. */
    public static ParameterReport report(PeftConfig config, AdaptableModel<?> structure) {
        AdapterPlan plan = AdapterPlan.of(config, structure, true);
        return Reports.of(structure.root().parameterCount(), List.of(plan), plan);
    }
}
