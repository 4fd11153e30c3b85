package dev.mmpeft.experiments;

import dev.mmpeft.core.Component;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The adaptation methods of the papers' grid: the untrained model, LoRA on a setting's
 * components at its rank, and full fine-tuning of the Q-Former with its query tokens and the
 * language projection (as InstructBLIP trains it).
 */
public enum StandardMethods implements AdaptationMethod {
    /** No training: the model as it is. */
    ZERO_SHOT {
        @Override
        public boolean trains() {
            return false;
        }

        @Override
        public String label(FineTuning s) {
            return "zero-shot";
        }

        @Override
        public String slug(FineTuning s) {
            return "zero-shot";
        }

        @Override
        public int size(FineTuning s) {
            return 0;
        }

        @Override
        public PeftModel<InstructBlip> adapt(InstructBlip base, InstructBlipProcessor processor, String modelId, FineTuning s) {
            throw new ExperimentException("nothing to adapt for " + name() + ": a zero-shot setting only evaluates");
        }
    },

    /** LoRA on the setting's components at its rank, alpha and dropout. */
    LORA {
        @Override
        public String label(FineTuning s) {
            return s.components().stream().sorted().map(Enum::name).collect(Collectors.joining("+"));
        }

        @Override
        public String slug(FineTuning s) {
            return "lora-" + label(s).toLowerCase(Locale.ROOT) + "-r" + s.rank();
        }

        @Override
        public int size(FineTuning s) {
            return s.rank();
        }

        @Override
        public void check(FineTuning s) {
            if (s.components().isEmpty()) {
                throw new ExperimentException("LoRA needs at least one component to target");
            }
        }

        @Override
        public PeftModel<InstructBlip> adapt(InstructBlip base, InstructBlipProcessor processor, String modelId, FineTuning s) {
            // var: the builder's type is sdk-peft's business, only its fluent calls are API
            var lora = Peft.lora().rank(s.rank()).alpha(s.alpha()).dropout(s.dropout()).seed(s.seed())
                    .target(s.components().toArray(new Component[0]));
            if (s.trainExtras()) {
                lora.train(Component.QUERY_TOKENS, Component.LANGUAGE_PROJECTION);
            }
            return lora.on(base, processor, modelId);
        }
    },

    /** The Q-Former, its query tokens and the language projection, every parameter trained. */
    FULL_QFORMER {
        @Override
        public String label(FineTuning s) {
            return "QFORMER_FULL";
        }

        @Override
        public String slug(FineTuning s) {
            return "qformer-full";
        }

        @Override
        public int size(FineTuning s) {
            return 0;
        }

        @Override
        public PeftModel<InstructBlip> adapt(InstructBlip base, InstructBlipProcessor processor, String modelId, FineTuning s) {
            return Peft.full().target(InstructBlip.QFORMER, InstructBlip.QUERY_TOKENS, InstructBlip.LANGUAGE_PROJECTION)
                    .on(Adaptables.instructBlip(base, processor, modelId));
        }
    }
}
