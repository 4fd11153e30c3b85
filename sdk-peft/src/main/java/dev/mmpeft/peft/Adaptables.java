package dev.mmpeft.peft;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.t5.T5Model;
import java.util.Optional;
import java.util.Set;

/**
 * {@link AdaptableModel} views of the SDK's model families, so that {@code Peft.lora()...on(...)}
 * accepts them.
 */
public final class Adaptables {
    private Adaptables() {}

    /** A T5 / Flan-T5 language model on its own ({@code LLM_ATTN}, {@code LLM_FFN}). */
    public static AdaptableModel<T5Model> t5(T5Model model) {
        return new T5Adaptable(model, Optional.empty());
    }

    /** A T5 / Flan-T5 language model loaded from {@code nameOrPath} (written to saved adapters). */
    public static AdaptableModel<T5Model> t5(T5Model model, String nameOrPath) {
        return new T5Adaptable(model, Optional.of(nameOrPath));
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
}
