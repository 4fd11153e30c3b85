package dev.mmpeft.models.instructblip;

import ai.djl.Device;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.ConfigException;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.models.family.ModelFamily;
import dev.mmpeft.models.family.ModelInputs;
import dev.mmpeft.models.family.ModelOutputs;
import dev.mmpeft.models.family.MultimodalModel;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.nn.HfModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The InstructBLIP family ({@code model_type: "instructblip"}) for
 * {@link dev.mmpeft.models.family.Models}: {@link InstructBlip} behind the family-neutral
 * {@link MultimodalModel} API, with the input names of {@code ./mmpeft forward} and outputs
 * {@code logits}, {@code loss}, {@code language_model_inputs}. {@link InstructBlip}'s own API is
 * unchanged.
 */
public final class InstructBlipFamily implements ModelFamily {
    /** The family's name. */
    public static final String NAME = "instructblip";
    static final List<String> REQUIRED = List.of("pixel_values", "qformer_input_ids", "input_ids");
    static final List<String> OPTIONAL =
            List.of("qformer_attention_mask", "attention_mask", "labels", "decoder_input_ids", "decoder_attention_mask");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("instructblip");
    }

    @Override
    public String description() {
        return "InstructBLIP: EVA ViT, Q-Former, Flan-T5 or Vicuna/LLaMA (transformers' InstructBlipForConditionalGeneration)";
    }

    @Override
    public MultimodalModel load(Path directory, Device device) {
        return new Loaded(InstructBlip.load(directory, device), true);
    }

    @Override
    public MultimodalModel fromConfig(ModelConfig config) {
        if (!(config instanceof InstructBlipConfig)) {
            throw new ConfigException("the instructblip family reads model_type 'instructblip', found '" + config.modelType() + "'");
        }
        return new Loaded(InstructBlip.fromConfig((InstructBlipConfig) config), false);
    }

    /** An {@link InstructBlip} as a {@link MultimodalModel}. */
    public static MultimodalModel of(InstructBlip model) {
        return new Loaded(model, true);
    }

    private static final class Loaded implements MultimodalModel {
        private final InstructBlip model;
        private final boolean hasWeights;

        Loaded(InstructBlip model, boolean hasWeights) {
            this.model = model;
            this.hasWeights = hasWeights;
        }

        private void requireWeights() {
            if (!hasWeights) {
                throw new MmpeftException("this " + NAME + " model is a structure built from its config only (no weights);"
                        + " load the model directory with Models.load to run it");
            }
        }

        @Override
        public String family() {
            return NAME;
        }

        @Override
        public ModelConfig config() {
            return model.config();
        }

        @Override
        public HfModel<?> model() {
            return model;
        }

        @Override
        public Set<String> modulesOf(Component component) {
            return model.modulesOf(component);
        }

        @Override
        public Map<String, Long> parameterCounts() {
            return model.structuralCount().parts();
        }

        @Override
        public List<String> requiredInputs() {
            return REQUIRED;
        }

        @Override
        public List<String> optionalInputs() {
            return OPTIONAL;
        }

        private InstructBlipInputs inputs(ModelInputs in, boolean training) {
            requireWeights();
            in.check(NAME, REQUIRED, training ? OPTIONAL : OPTIONAL.subList(0, 2));
            ImmutableInstructBlipInputs.Builder b = InstructBlipInputs.builder()
                    .pixelValues(in.requireFloats("pixel_values"))
                    .qformerInputIds(in.requireInts("qformer_input_ids"))
                    .inputIds(in.requireInts("input_ids"));
            in.ints("qformer_attention_mask").ifPresent(b::qformerAttentionMask);
            in.ints("attention_mask").ifPresent(b::attentionMask);
            in.ints("labels").ifPresent(b::labels);
            in.ints("decoder_input_ids").ifPresent(b::decoderInputIds);
            in.ints("decoder_attention_mask").ifPresent(b::decoderAttentionMask);
            return b.build();
        }

        @Override
        public ModelOutputs forward(ModelInputs inputs) {
            InstructBlipOutput out = model.forward(inputs(inputs, true));
            return ModelOutputs.of(out.logits(), out.loss().orElse(null), Map.of("language_model_inputs", out.languageModelInputs()));
        }

        @Override
        public GenerationResult generate(ModelInputs inputs, GenerationConfig generation) {
            return model.generate(inputs(inputs, false), generation);
        }

        @Override
        public CandidateScores scoreCandidates(ModelInputs inputs, List<long[]> candidates) {
            return model.scoreCandidates(inputs(inputs, false), candidates);
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
