package dev.mmpeft.models.llava;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.common.collect.ImmutableSet;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.LlavaConfig;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.models.clip.ClipVisionModel;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.generation.Generator;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.nn.HfModel;
import dev.mmpeft.models.nn.TokenInputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A LLaVA-style model (transformers' {@code LlavaForConditionalGeneration}) as one DJL block tree
 * under the legacy Hugging Face names: {@code vision_tower.vision_model.*} (CLIP),
 * {@code multi_modal_projector.*} (the connector), {@code language_model.*} (LLaMA/Vicuna, with
 * {@code language_model.lm_head}). Checkpoints of the current layout ({@code model.*},
 * {@code lm_head.weight}) load too ({@link #load}); {@link #save} writes the legacy layout, which
 * every transformers version reads.
 *
 * <p>The forward pass is transformers' current one: the vision tower's hidden states at
 * {@code vision_feature_layer} (several concatenated), the CLS position dropped for the
 * {@code default} strategy, through the projector; {@code input_ids} must hold exactly as many
 * {@code <image>} tokens as there are features over the batch, and the features replace them in
 * row-major order; then the language model over the whole sequence, positions {@code 0..len-1},
 * the causal-LM loss on labels aligned with {@code input_ids}.
 *
 * <p>Memory: every activation is computed from the inputs, so results land in the inputs' manager;
 * scope each batch in a sub-manager ({@code DJL_NOTES.md}).
 */
public final class Llava extends HfModel<LlavaConfig> implements dev.mmpeft.models.generation.GenerativeModel<LlavaInputs> {
    /** Names of the top-level parts, in model order (legacy layout). */
    public static final String VISION_TOWER = "vision_tower";
    public static final String MULTI_MODAL_PROJECTOR = "multi_modal_projector";
    public static final String LANGUAGE_MODEL = "language_model";

    private final ClipVisionModel visionTower;
    private final LlavaMultiModalProjector projector;
    private final LlamaModel languageModel;

    private Llava(LlavaConfig config) {
        super(config);
        this.visionTower = child(VISION_TOWER, new ClipVisionModel(config.visionConfig()));
        this.projector = child(MULTI_MODAL_PROJECTOR, new LlavaMultiModalProjector(config));
        this.languageModel = child(LANGUAGE_MODEL, LlamaModel.fromConfig(config.languageModelConfig()));
    }

    /** The structure of a model from its config: declared shapes, no arrays. */
    public static Llava fromConfig(LlavaConfig config) {
        return new Llava(config);
    }

    /**
     * A new structure whose every parameter holds the very array of {@code base}'s parameter of the
     * same name (no copy), for PEFT to adapt without touching {@code base}. Closing it frees nothing.
     */
    public static Llava sharingArraysOf(Llava base) {
        Llava copy = new Llava(base.config());
        Map<String, ai.djl.nn.Parameter> from = base.namedParameters();
        copy.namedParameters().forEach((name, p) -> {
            ai.djl.nn.Parameter source = from.get(name);
            if (source == null || !source.isInitialized()) {
                throw new IllegalStateException("base model has no array for '" + name + "'");
            }
            p.setArray(source.getArray());
        });
        return copy;
    }

    /** A model with deterministic random weights (N(0, std); biases zero, norm scales one), for tests. */
    public static Llava random(LlavaConfig config, long seed, float std) {
        return owning(NDManager.newBaseManager(), manager -> withRandomWeights(new Llava(config), manager, seed, std));
    }

    /** {@link #load(Path, Device)} on the CPU. */
    public static Llava load(Path directory) {
        return load(directory, Device.cpu());
    }

    /**
     * Loads a Hugging Face LLaVA directory ({@code config.json} with {@code model_type: "llava"} and
     * {@code model.safetensors} or shards with {@code model.safetensors.index.json}), in the legacy
     * or the current tensor layout, one tensor at a time; half precision is widened to float32.
     *
     * @throws MmpeftException ({@code ConfigException} naming the field, {@code WeightMismatchException}
     *     naming the checkpoint file and the missing, unexpected or mis-shaped tensors,
     *     {@code SafetensorsException}) naming the file and what is wrong
     */
    public static Llava load(Path directory, Device device) {
        return owning(NDManager.newBaseManager(device), manager -> read(directory, LlavaConfig.class, Llava::new, manager));
    }

    @Override
    protected void loadWeights(Checkpoint checkpoint, NDManager manager) {
        LlavaWeights.load(this, checkpoint, manager);
    }

    public ClipVisionModel visionTower() {
        return visionTower;
    }

    public LlavaMultiModalProjector multiModalProjector() {
        return projector;
    }

    public LlamaModel languageModel() {
        return languageModel;
    }

    // ------------------------------------------------------------------------------- forward

    /**
     * transformers' {@code get_image_features}: {@code [images, features per image, text hidden]}
     * from {@code pixel_values [images, 3, size, size]}.
     */
    public NDArray imageFeatures(NDArray pixelValues) {
        if (!pixelValues.getDataType().isFloating()) {
            throw new MmpeftException("pixel_values: expected floating point values, found " + pixelValues.getDataType());
        }
        NDArray pixels = pixelValues.getDataType() == DataType.FLOAT32 ? pixelValues : pixelValues.toType(DataType.FLOAT32, false);
        List<Integer> layers = config().featureLayerIndexes();
        Map<Integer, NDArray> states = visionTower.visionModel().hiddenStates(pixels, layers);
        NDList selected = new NDList();
        for (int layer : layers) {
            NDArray h = states.get(layer);
            selected.add(config().keepsClsFeature() ? h : h.get(":, 1:, :"));
        }
        NDArray features = selected.size() == 1 ? selected.get(0) : NDArrays.concat(selected, -1);
        return projector.forward(features);
    }

    /**
     * One forward pass as transformers' {@code LlavaForConditionalGeneration.forward}, with the
     * loss when labels are given.
     *
     * @throws MmpeftException naming the input that has the wrong shape or content, e.g.
     *     "Image features and image tokens do not match: tokens: 10, features 8"
     */
    public LlavaOutput forward(LlavaInputs inputs) {
        NDArray features = inputs.pixelValues().map(this::imageFeatures).orElse(null);
        NDArray ids = TokenInputs.ids("input_ids", inputs.inputIds());
        NDArray mask = TokenInputs.mask(inputs.attentionMask().orElse(null), ids);
        NDArray embeds = inputEmbeddings(features, ids);
        NDArray labels = null;
        if (inputs.labels().isPresent()) {
            labels = TokenInputs.ids("labels", inputs.labels().get());
            if (!labels.getShape().equals(ids.getShape())) {
                throw new MmpeftException("labels: expected the shape of input_ids " + ids.getShape() + ", found " + labels.getShape());
            }
        }
        var out = languageModel.forward(embeds, mask, null, null, labels);
        return new LlavaOutput(out.logits(), out.loss().orElse(null), features);
    }

    /**
     * Generates new tokens greedily or by beam search ({@link Generator}) from the prompt with the
     * image features in place, as transformers' {@code generate}; prompts should be left-padded
     * ({@link LlavaProcessor#generationInputs}). The result holds the new tokens only.
     */
    public GenerationResult generate(LlavaInputs inputs, GenerationConfig generation) {
        NDArray features = inputs.pixelValues().map(this::imageFeatures).orElse(null);
        NDArray ids = TokenInputs.ids("input_ids", inputs.inputIds());
        NDArray embeds = inputEmbeddings(features, ids);
        return Generator.generate(languageModel, embeds, TokenInputs.mask(inputs.attentionMask().orElse(null), ids), generation);
    }

    /**
     * Scores answer candidates for each example by the language model's loss on them, as
     * InstructBLIP's scoring does for a decoder-only model ({@link LlavaScoring}); lower is better.
     *
     * @param inputs one image per prompt, prompts right-padded ({@link LlavaProcessor#scoringInputs})
     * @param candidates each candidate's ids as the tokenizer returns them (starting with BOS)
     */
    public CandidateScores scoreCandidates(LlavaInputs inputs, List<long[]> candidates) {
        NDArray ids = TokenInputs.ids("input_ids", inputs.inputIds());
        NDArray mask = TokenInputs.mask(inputs.attentionMask().orElse(null), ids);
        NDArray features = inputs.pixelValues().map(this::imageFeatures).orElse(null);
        return LlavaScoring.score(this, features, ids, mask, candidates);
    }

    /**
     * The language model's input embeddings: token embeddings with the image features scattered
     * into the {@code <image>} positions in row-major order (transformers' {@code masked_scatter}),
     * done as a gather from {@code [features; tokens]} so gradients reach both.
     */
    NDArray inputEmbeddings(@Nullable NDArray features, NDArray ids) {
        int batch = (int) ids.getShape().get(0);
        int len = (int) ids.getShape().get(1);
        long[] flat = ids.toLongArray();
        long imageToken = config().imageTokenId();
        long vocab = languageModel.vocabSize();
        int tokens = 0;
        long[] embedIds = new long[flat.length];
        for (int i = 0; i < flat.length; i++) {
            if (flat[i] == imageToken) {
                tokens++;
            } else if (flat[i] < 0 || flat[i] >= vocab) {
                throw new MmpeftException("input_ids: id " + flat[i] + " is outside the language model's vocabulary (0.." + (vocab - 1) + ")");
            } else {
                embedIds[i] = flat[i];
            }
        }
        // the placeholder is never embedded: its id may lie past the table (transformers' defaults)
        NDArray embeds = languageModel.embedTokens(ids.getManager().create(embedIds, new Shape(batch, len)));
        long featureRows = features == null ? 0 : features.getShape().get(0) * features.getShape().get(1);
        if (features == null) {
            if (tokens > 0) {
                throw new MmpeftException("input_ids: " + tokens + " image tokens (id " + imageToken + ") but no pixel_values to fill them");
            }
            return embeds;
        }
        if (tokens != featureRows) {
            throw new MmpeftException("input_ids: Image features and image tokens do not match: tokens: " + tokens + ", features " + featureRows
                    + " (" + features.getShape().get(0) + " images x " + features.getShape().get(1) + " features each; expected one <image> token"
                    + " (id " + imageToken + ") per feature)");
        }
        long hidden = embeds.getShape().get(2);
        long[] index = new long[flat.length];
        int k = 0;
        for (int i = 0; i < flat.length; i++) {
            index[i] = flat[i] == imageToken ? k++ : featureRows + i;
        }
        NDArray both = features.reshape(featureRows, hidden).concat(embeds.reshape((long) batch * len, hidden), 0);
        NDArray gatherIndex = ids.getManager().create(index, new Shape(flat.length, 1)).broadcast(new Shape(flat.length, hidden));
        return both.gather(gatherIndex, 0).reshape(batch, len, hidden);
    }

    // ------------------------------------------------------------------------------- structure

    /**
     * The module names (legacy layout) that make up a component: the CLIP layers'
     * {@code self_attn.{q,k,v,out}_proj} (VISION_ATTN) and {@code mlp.fc1/fc2} (VISION_MLP); the
     * connector {@code multi_modal_projector} (LANGUAGE_PROJECTION); LLaMA's {@code q_proj},
     * {@code v_proj} (LLM_ATTN) and {@code gate/up/down_proj} (LLM_FFN) under
     * {@code language_model.}; nothing for the Q-Former components and QUERY_TOKENS, which LLaVA
     * does not have. Structural: no array is needed.
     */
    @Override
    public Set<String> modulesOf(Component component) {
        Set<String> out = new LinkedHashSet<>();
        for (Component part : component.parts()) {
            switch (part) {
                case VISION_ATTN:
                case VISION_MLP:
                    out.addAll(visionTower.modulesOf(VISION_TOWER, part));
                    break;
                case LANGUAGE_PROJECTION:
                    out.add(MULTI_MODAL_PROJECTOR);
                    break;
                case LLM_ATTN:
                case LLM_FFN:
                    languageModel.modulesOf(part).forEach(m -> out.add(LANGUAGE_MODEL + "." + m));
                    break;
                default:
                    break;
            }
        }
        return ImmutableSet.copyOf(out);
    }

    /** Parameter counts per top-level part from declared shapes alone (no arrays needed). */
    public Map<String, Long> structuralCount() {
        Map<String, Long> parts = new LinkedHashMap<>();
        parts.put(VISION_TOWER, visionTower.parameterCount());
        parts.put(MULTI_MODAL_PROJECTOR, projector.parameterCount());
        parts.put(LANGUAGE_MODEL, languageModel.parameterCount());
        return parts;
    }

    /** The checkpoint names of this model's parameters in the current transformers layout. */
    public List<String> currentLayoutNames() {
        List<String> out = new ArrayList<>();
        namedParameters().keySet().forEach(n -> out.add(LlavaWeights.toCurrent(n)));
        return out;
    }
}
