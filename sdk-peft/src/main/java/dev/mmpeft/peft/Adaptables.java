package dev.mmpeft.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipOutput;
import dev.mmpeft.core.config.LavinConfig;
import dev.mmpeft.core.config.LlavaConfig;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.lavin.Lavin;
import dev.mmpeft.models.lavin.LavinProcessor;
import dev.mmpeft.models.llava.Llava;
import dev.mmpeft.models.llava.LlavaProcessor;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.HfModel;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.t5.T5Model;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * {@link AdaptableModel} views of the SDK's model families, so that {@code Peft.lora()...on(...)}
 * accepts them.
 */
public final class Adaptables {
    private Adaptables() {}

    /**
     * An InstructBLIP model. Without a processor it adapts, counts, merges and saves, but cannot
     * compute a training loss from prompts; see {@link #instructBlip(InstructBlip, InstructBlipProcessor, String)}.
     */
    public static AdaptableModel<InstructBlip> instructBlip(InstructBlip model) {
        return new BlipAdaptable(model, null, Optional.empty());
    }

    /**
     * An InstructBLIP model with the processor that turns prompts into its inputs (so the adapted
     * model is a complete {@code TrainableModel<Prompt>}), loaded from {@code nameOrPath} (written
     * to saved adapters as {@code base_model_name_or_path}).
     */
    public static AdaptableModel<InstructBlip> instructBlip(InstructBlip model, InstructBlipProcessor processor, String nameOrPath) {
        return new BlipAdaptable(model, processor, Optional.of(nameOrPath));
    }

    /** An InstructBLIP model with its processor, so the adapted model trains on prompts. */
    public static AdaptableModel<InstructBlip> instructBlip(InstructBlip model, InstructBlipProcessor processor) {
        return new BlipAdaptable(model, processor, Optional.empty());
    }

    /** A T5 / Flan-T5 language model on its own ({@code LLM_ATTN}, {@code LLM_FFN}). */
    public static AdaptableModel<T5Model> t5(T5Model model) {
        return new FamilyAdaptable<>(model, T5Model::fromConfig, Optional.of("SEQ_2_SEQ_LM"), Optional.empty());
    }

    /** A T5 / Flan-T5 language model loaded from {@code nameOrPath} (written to saved adapters). */
    public static AdaptableModel<T5Model> t5(T5Model model, String nameOrPath) {
        return new FamilyAdaptable<>(model, T5Model::fromConfig, Optional.of("SEQ_2_SEQ_LM"), Optional.of(nameOrPath));
    }

    /** A LLaMA / Vicuna language model on its own ({@code LLM_ATTN}: q_proj, v_proj; {@code LLM_FFN}: gate, up, down). */
    public static AdaptableModel<LlamaModel> llama(LlamaModel model) {
        return new FamilyAdaptable<>(model, LlamaModel::fromConfig, Optional.of("CAUSAL_LM"), Optional.empty());
    }

    /** A LLaMA / Vicuna language model loaded from {@code nameOrPath} (written to saved adapters). */
    public static AdaptableModel<LlamaModel> llama(LlamaModel model, String nameOrPath) {
        return new FamilyAdaptable<>(model, LlamaModel::fromConfig, Optional.of("CAUSAL_LM"), Optional.of(nameOrPath));
    }

    /** A LLaVA model (LLaVA-1.5 layout): adapts, counts, merges and saves, without a loss from prompts. */
    public static AdaptableModel<Llava> llava(Llava model) {
        return new LlavaAdaptable(model, null, Optional.empty());
    }

    /**
     * A LLaVA model with the processor that turns prompts into its inputs (so the adapted model is a
     * complete {@code TrainableModel<Prompt>}), loaded from {@code nameOrPath}.
     */
    public static AdaptableModel<Llava> llava(Llava model, LlavaProcessor processor, String nameOrPath) {
        return new LlavaAdaptable(model, processor, Optional.of(nameOrPath));
    }

    /** A LaVIN model: adapts, counts and saves, without a loss from prompts. */
    public static AdaptableModel<Lavin> lavin(Lavin model) {
        return new LavinAdaptable(model, null, Optional.empty());
    }

    /**
     * A LaVIN model with the processor that turns prompts (text-only and image ones, mixed) into its
     * inputs, loaded from {@code nameOrPath}: the adapted model trains on prompts.
     */
    public static AdaptableModel<Lavin> lavin(Lavin model, LavinProcessor processor, String nameOrPath) {
        return new LavinAdaptable(model, processor, Optional.of(nameOrPath));
    }

    /**
     * The view of a model of any multimodal family ({@link InstructBlip}, {@link Llava},
     * {@link Lavin}) without a processor: what commands that take any {@code Models.load} result
     * need to apply, count or load adapters.
     *
     * @throws PeftException naming the model's class when no family view exists for it
     */
    public static AdaptableModel<?> of(HfModel<?> model) {
        if (model instanceof InstructBlip) {
            return instructBlip((InstructBlip) model);
        }
        if (model instanceof Llava) {
            return llava((Llava) model);
        }
        if (model instanceof Lavin) {
            return lavin((Lavin) model);
        }
        throw new PeftException("no PEFT view of a " + model.getClass().getSimpleName()
                + " model; expected an InstructBLIP, LLaVA or LaVIN model");
    }

    /**
     * Any {@link HfModel} family: the model is its own block tree and knows its components; a new
     * structure comes from its config.
     */
    private static class FamilyAdaptable<C extends ModelConfig, M extends HfModel<C>> implements AdaptableModel<M> {
        private final M model;
        private final Function<C, M> fromConfig;
        private final Optional<String> taskType;
        private final Optional<String> nameOrPath;

        FamilyAdaptable(M model, Function<C, M> fromConfig, Optional<String> taskType, Optional<String> nameOrPath) {
            this.model = model;
            this.fromConfig = fromConfig;
            this.taskType = taskType;
            this.nameOrPath = nameOrPath;
        }

        /** The same view of another model of the family. */
        FamilyAdaptable<C, M> of(M other) {
            return new FamilyAdaptable<>(other, fromConfig, taskType, nameOrPath);
        }

        @Override
        public M model() {
            return model;
        }

        @Override
        public HfBlock root() {
            return model;
        }

        @Override
        public Set<String> modulesOf(Component component) {
            return model.modulesOf(component);
        }

        @Override
        public AdaptableModel<M> newStructure() {
            return of(fromConfig.apply(model.config()));
        }

        @Override
        public Optional<ModelConfig> config() {
            return Optional.of(model.config());
        }

        @Override
        public Optional<String> nameOrPath() {
            return nameOrPath;
        }

        @Override
        public Optional<String> taskType() {
            return taskType;
        }
    }

    /** LLaVA, with the processor that turns prompts into its training inputs (when given). */
    private static final class LlavaAdaptable extends FamilyAdaptable<LlavaConfig, Llava> {
        private final @Nullable LlavaProcessor processor;

        LlavaAdaptable(Llava model, @Nullable LlavaProcessor processor, Optional<String> nameOrPath) {
            super(model, Llava::fromConfig, Optional.of("CAUSAL_LM"), nameOrPath);
            this.processor = processor;
        }

        @Override
        LlavaAdaptable of(Llava other) {
            return new LlavaAdaptable(other, processor, nameOrPath());
        }

        /** The length of the prompt's training row (needs the processor): what length-aware batching sorts by. */
        @Override
        public java.util.OptionalInt tokenLength(Prompt prompt) {
            return processor == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(processor.trainingLength(prompt));
        }

        /** The mean token loss of the prompts' targets (labels on the answer tokens only). */
        @Override
        public NDArray loss(Llava adapted, List<Prompt> batch, NDManager scope) {
            if (processor == null) {
                throw new PeftException("this adapted LLaVA has no processor to turn prompts into inputs; "
                        + "adapt Adaptables.llava(model, processor, nameOrPath)");
            }
            return adapted.forward(processor.trainingInputs(batch, scope)).loss()
                    .orElseThrow(() -> new IllegalStateException("LLaVA returned no loss for labelled inputs"));
        }
    }

    /** LaVIN, with the processor that turns prompts into its training inputs (when given). */
    private static final class LavinAdaptable extends FamilyAdaptable<LavinConfig, Lavin> {
        private final @Nullable LavinProcessor processor;

        LavinAdaptable(Lavin model, @Nullable LavinProcessor processor, Optional<String> nameOrPath) {
            super(model, Lavin::fromConfig, Optional.of("CAUSAL_LM"), nameOrPath);
            this.processor = processor;
        }

        @Override
        LavinAdaptable of(Lavin other) {
            return new LavinAdaptable(other, processor, nameOrPath());
        }

        /** The length of the prompt's training row (needs the processor): what length-aware batching sorts by. */
        @Override
        public java.util.OptionalInt tokenLength(Prompt prompt) {
            return processor == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(processor.trainingLength(prompt));
        }

        /** The mean token loss of the prompts' targets over a batch that may mix text-only and image prompts. */
        @Override
        public NDArray loss(Lavin adapted, List<Prompt> batch, NDManager scope) {
            if (processor == null) {
                throw new PeftException("this adapted LaVIN has no processor to turn prompts into inputs; "
                        + "adapt Adaptables.lavin(model, processor, nameOrPath)");
            }
            return adapted.forward(processor.trainingInputs(batch, scope)).loss()
                    .orElseThrow(() -> new IllegalStateException("LaVIN returned no loss for labelled inputs"));
        }
    }

    /** InstructBLIP, with the processor that turns prompts into its training inputs (when given). */
    private static final class BlipAdaptable extends FamilyAdaptable<InstructBlipConfig, InstructBlip> {
        private final @Nullable InstructBlipProcessor processor;

        BlipAdaptable(InstructBlip model, @Nullable InstructBlipProcessor processor, Optional<String> nameOrPath) {
            super(model, InstructBlip::fromConfig, Optional.empty(), nameOrPath);
            this.processor = processor;
        }

        @Override
        BlipAdaptable of(InstructBlip other) {
            return new BlipAdaptable(other, processor, nameOrPath());
        }

        @Override
        public Optional<long[]> instructionIds(String instruction) {
            return processor == null ? Optional.empty() : Optional.of(processor.instructionIds(instruction));
        }

        /** The language model input length of the prompt (needs the processor). */
        @Override
        public java.util.OptionalInt tokenLength(Prompt prompt) {
            return processor == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(processor.trainingLength(prompt));
        }

        /** The frozen prefix's outputs: vision features per image, image features per image and instruction ({@code InstructBlip#reuseFrozenFeatures}). */
        @Override
        public void reuseFrozenFeatures(InstructBlip adapted, dev.mmpeft.core.cache.@Nullable FeatureCache cache) {
            adapted.reuseFrozenFeatures(cache);
        }

        /**
         * The mean token loss of the prompts' targets, with inputs built as LAVIS builds them for
         * training (T5: labels to the decoder; LLaMA: loss on the target positions only).
         */
        @Override
        public NDArray loss(InstructBlip adapted, List<Prompt> batch, NDManager scope) {
            if (processor == null) {
                throw new PeftException(
                        "this adapted InstructBLIP has no processor to turn prompts into inputs; "
                                + "adapt Adaptables.instructBlip(model, processor, nameOrPath) (or Peft...on(model, processor))");
            }
            dev.mmpeft.models.instructblip.InstructBlipInputs inputs = processor.trainingInputs(batch, scope);
            InstructBlipOutput out = adapted.forward(inputs);
            NDArray loss = out.loss().orElseThrow(() -> new IllegalStateException("InstructBLIP returned no loss for labelled inputs"));
            for (Object hook : adapted.queryFeatureHooks().values()) {
                if (hook instanceof dev.mmpeft.peft.spi.InstructBlipLossTerm) {
                    // an adapter's own training objective beside the language model's (PETAL's SIB)
                    Optional<NDArray> term = ((dev.mmpeft.peft.spi.InstructBlipLossTerm) hook).term(adapted, inputs, out);
                    if (term.isPresent()) {
                        loss = loss.add(term.get());
                    }
                }
            }
            return loss;
        }
    }
}
