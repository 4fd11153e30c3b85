package dev.mmpeft.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipOutput;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.t5.T5Model;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
        return new T5Adaptable(model, Optional.empty());
    }

    /** A T5 / Flan-T5 language model loaded from {@code nameOrPath} (written to saved adapters). */
    public static AdaptableModel<T5Model> t5(T5Model model, String nameOrPath) {
        return new T5Adaptable(model, Optional.of(nameOrPath));
    }

    /** A LLaMA / Vicuna language model on its own ({@code LLM_ATTN}: q_proj, v_proj; {@code LLM_FFN}: gate, up, down). */
    public static AdaptableModel<LlamaModel> llama(LlamaModel model) {
        return new LlamaAdaptable(model, Optional.empty());
    }

    /** A LLaMA / Vicuna language model loaded from {@code nameOrPath} (written to saved adapters). */
    public static AdaptableModel<LlamaModel> llama(LlamaModel model, String nameOrPath) {
        return new LlamaAdaptable(model, Optional.of(nameOrPath));
    }

    private static final class LlamaAdaptable implements AdaptableModel<LlamaModel> {
        private final LlamaModel model;
        private final Optional<String> nameOrPath;

        LlamaAdaptable(LlamaModel model, Optional<String> nameOrPath) {
            this.model = model;
            this.nameOrPath = nameOrPath;
        }

        @Override
        public LlamaModel model() {
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
        public AdaptableModel<LlamaModel> newStructure() {
            return new LlamaAdaptable(LlamaModel.fromConfig(model.config()), nameOrPath);
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
            return Optional.of("CAUSAL_LM");
        }
    }

    private static final class T5Adaptable implements AdaptableModel<T5Model> {
        private final T5Model model;
        private final Optional<String> nameOrPath;

        T5Adaptable(T5Model model, Optional<String> nameOrPath) {
            this.model = model;
            this.nameOrPath = nameOrPath;
        }

        @Override
        public T5Model model() {
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
        public AdaptableModel<T5Model> newStructure() {
            return new T5Adaptable(T5Model.fromConfig(model.config()), nameOrPath);
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
            return Optional.of("SEQ_2_SEQ_LM");
        }
    }

    private static final class BlipAdaptable implements AdaptableModel<InstructBlip> {
        private final InstructBlip model;
        private final @Nullable InstructBlipProcessor processor;
        private final Optional<String> nameOrPath;

        BlipAdaptable(InstructBlip model, @Nullable InstructBlipProcessor processor, Optional<String> nameOrPath) {
            this.model = model;
            this.processor = processor;
            this.nameOrPath = nameOrPath;
        }

        @Override
        public InstructBlip model() {
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
        public AdaptableModel<InstructBlip> newStructure() {
            return new BlipAdaptable(InstructBlip.fromConfig(model.config()), processor, nameOrPath);
        }

        @Override
        public Optional<ModelConfig> config() {
            return Optional.of(model.config());
        }

        @Override
        public Optional<String> nameOrPath() {
            return nameOrPath;
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
            InstructBlipOutput out = adapted.forward(processor.trainingInputs(batch, scope));
            return out.loss().orElseThrow(() -> new IllegalStateException("InstructBLIP returned no loss for labelled inputs"));
        }
    }
}
