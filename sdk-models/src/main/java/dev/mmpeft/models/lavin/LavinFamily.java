package dev.mmpeft.models.lavin;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.ConfigException;
import dev.mmpeft.core.config.LavinConfig;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.models.family.FamilyModel;
import dev.mmpeft.models.family.ModelFamily;
import dev.mmpeft.models.family.ModelInputs;
import dev.mmpeft.models.family.ModelOutputs;
import dev.mmpeft.models.family.MultimodalModel;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The LaVIN family ({@code model_type: "lavin"}) for {@link dev.mmpeft.models.family.Models}:
 * {@link Lavin} behind the family-neutral {@link MultimodalModel} API. Inputs are
 * {@code pixel_values} (one image per image row), {@code input_ids} (image placeholders in the image
 * rows), {@code attention_mask}, {@code labels}; outputs {@code logits}, {@code loss} and
 * {@code image_hidden_states} (the visual tokens).
 */
public final class LavinFamily implements ModelFamily {
    /** The family's name. */
    public static final String NAME = "lavin";
    static final List<String> REQUIRED = List.of("input_ids");
    static final List<String> OPTIONAL = List.of("pixel_values", "attention_mask", "labels");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of(LavinConfig.MODEL_TYPE);
    }

    @Override
    public String description() {
        return "LaVIN: CLIP vision tower ([cls] of every 4th layer), visual adapter, LLaMA with a modality token for MM-Adapters";
    }

    @Override
    public MultimodalModel load(Path directory, Device device) {
        return new Loaded(Lavin.load(directory, device), true);
    }

    @Override
    public MultimodalModel fromConfig(ModelConfig config) {
        if (!(config instanceof LavinConfig)) {
            throw new ConfigException("the lavin family reads model_type 'lavin', found '" + config.modelType() + "'");
        }
        return new Loaded(Lavin.fromConfig((LavinConfig) config), false);
    }

    /** A {@link Lavin} as a {@link MultimodalModel}. */
    public static MultimodalModel of(Lavin model) {
        return new Loaded(model, true);
    }

    private static final class Loaded extends FamilyModel<Lavin, LavinInputs> {
        Loaded(Lavin model, boolean hasWeights) {
            super(NAME, model, hasWeights, REQUIRED, OPTIONAL);
        }

        @Override
        public Map<String, Long> parameterCounts() {
            return model.structuralCount();
        }

        @Override
        protected LavinInputs typed(ModelInputs in) {
            ImmutableLavinInputs.Builder b = LavinInputs.builder().inputIds(in.requireInts("input_ids"));
            in.floats("pixel_values").ifPresent(b::pixelValues);
            in.ints("attention_mask").ifPresent(b::attentionMask);
            in.ints("labels").ifPresent(b::labels);
            return b.build();
        }

        @Override
        public ModelOutputs forward(ModelInputs inputs) {
            LavinOutput out = model.forward(inputs(inputs, true));
            Map<String, NDArray> extras = out.imageFeatures().map(f -> Map.of("image_hidden_states", f)).orElse(Map.of());
            return ModelOutputs.of(out.logits(), out.loss().orElse(null), extras);
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
        public String toString() {
            return "lavin model (" + model.config().visionConfig().numHiddenLayers() + " vision layers, "
                    + model.config().textConfig().numHiddenLayers() + " language layers)";
        }
    }
}
