package dev.mmpeft.models.lavin;

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
import dev.mmpeft.core.config.LavinConfig;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.models.clip.ClipVisionModel;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.generation.Generator;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.nn.Embedding;
import dev.mmpeft.models.nn.HfModel;
import dev.mmpeft.models.nn.TokenInputs;
import dev.mmpeft.models.nn.Weights;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A LaVIN model as one DJL block tree: {@code vision_tower.vision_model.*} (CLIP, Hugging Face
 * names), {@code adapter_proj.*} (the visual adapter), {@code adapter_modality_embedding.weight}
 * ({@code [2, d]}: row 0 text-only, row 1 image) and {@code language_model.*} (LLaMA).
 *
 * <p>The forward pass is LaVIN's ({@code lavin/model.py}): the CLIP hidden state at the [cls]
 * position after every {@code vision_feature_interval}-th layer (no final norm) gives the visual
 * tokens, the visual adapter maps them to the LLM's width, and they replace the image
 * placeholders of {@code input_ids} (as LLaVA's features do; LaVIN's processor writes them after
 * {@code "Image: "}). Every sequence then gets the modality token of its row (image when the row
 * holds placeholders, text-only otherwise) in front, at position 0, isolated: no other position
 * attends to it ({@code mask[:, :, 1:, 0] = -inf} in LaVIN), so it changes nothing unless LaVIN's
 * MM-Adapters read it. The text positions are numbered from 1, as LaVIN numbers them. Outputs are
 * aligned with {@code input_ids}: the modality token's own logits are dropped.
 *
 * <p>Mixture-of-modality batches: text-only rows have no image, so {@code pixel_values} holds the
 * image rows' images only and the image encoder runs for those alone.
 *
 * <p>Memory: activations are computed from the inputs, so results land in the inputs' manager;
 * scope each batch in a sub-manager.
 */
public final class Lavin extends HfModel<LavinConfig> implements dev.mmpeft.models.generation.GenerativeModel<LavinInputs> {
    public static final String VISION_TOWER = "vision_tower";
    public static final String VISUAL_ADAPTER = "adapter_proj";
    public static final String MODALITY_EMBEDDING = "adapter_modality_embedding";
    public static final String LANGUAGE_MODEL = "language_model";
    /** The modality ids: {@link #TEXT_ONLY} and {@link #IMAGE} rows of the modality embedding. */
    public static final int TEXT_ONLY = 0;
    public static final int IMAGE = 1;

    private final ClipVisionModel visionTower;
    private final LavinVisualAdapter visualAdapter;
    private final Embedding modalityEmbedding;
    private final LlamaModel languageModel;

    private Lavin(LavinConfig config) {
        super(config);
        this.visionTower = child(VISION_TOWER, new ClipVisionModel(config.visionConfig()));
        this.visualAdapter = child(VISUAL_ADAPTER, new LavinVisualAdapter(config));
        this.modalityEmbedding = child(MODALITY_EMBEDDING, new Embedding(2, config.textConfig().hiddenSize()));
        this.languageModel = child(LANGUAGE_MODEL, LlamaModel.fromConfig(config.languageModelConfig()));
        languageModel.model().isolateLeadingPositions(1);
    }

    /** The structure of a model from its config: declared shapes, no arrays. */
    public static Lavin fromConfig(LavinConfig config) {
        return new Lavin(config);
    }

    /** A new structure over the very arrays of {@code base} (no copy), for PEFT. Closing it frees nothing. */
    public static Lavin sharingArraysOf(Lavin base) {
        Lavin copy = new Lavin(base.config());
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
    public static Lavin random(LavinConfig config, long seed, float std) {
        return owning(NDManager.newBaseManager(), manager -> withRandomWeights(new Lavin(config), manager, seed, std));
    }

    /** {@link #load(Path, Device)} on the CPU. */
    public static Lavin load(Path directory) {
        return load(directory, Device.cpu());
    }

    /**
     * Loads a LaVIN directory ({@code config.json} with {@code model_type: "lavin"}, safetensors
     * single or sharded) one tensor at a time.
     *
     * @throws MmpeftException ({@code ConfigException} naming the field, {@code WeightMismatchException}
     *     naming the checkpoint and the missing, unexpected or mis-shaped tensors)
     */
    public static Lavin load(Path directory, Device device) {
        return owning(NDManager.newBaseManager(device), manager -> read(directory, LavinConfig.class, Lavin::new, manager));
    }

    @Override
    protected void loadWeights(Checkpoint checkpoint, NDManager manager) {
        Set<String> ignored = new LinkedHashSet<>();
        languageModel.ignoredCheckpointNames().forEach(n -> ignored.add(LANGUAGE_MODEL + "." + n));
        Map<String, List<String>> aliases = new LinkedHashMap<>();
        languageModel.checkpointAliases().forEach((k, v) -> aliases.put(LANGUAGE_MODEL + "." + k,
                v.stream().map(a -> LANGUAGE_MODEL + "." + a).toList()));
        Weights.load(this, checkpoint, "", manager, ignored, aliases);
    }

    public ClipVisionModel visionTower() {
        return visionTower;
    }

    public LavinVisualAdapter visualAdapter() {
        return visualAdapter;
    }

    public Embedding modalityEmbedding() {
        return modalityEmbedding;
    }

    public LlamaModel languageModel() {
        return languageModel;
    }

    // ------------------------------------------------------------------------------- forward

    /**
     * The visual tokens {@code [images, visual tokens, text hidden]}: the [cls] hidden state after
     * every {@code vision_feature_interval}-th CLIP layer, through the visual adapter.
     */
    public NDArray imageFeatures(NDArray pixelValues) {
        if (!pixelValues.getDataType().isFloating()) {
            throw new MmpeftException("pixel_values: expected floating point values, found " + pixelValues.getDataType());
        }
        if (pixelValues.getShape().dimension() != 4) {
            throw new MmpeftException("pixel_values: expected shape [images, channels, height, width], found " + pixelValues.getShape());
        }
        NDArray pixels = pixelValues.getDataType() == DataType.FLOAT32 ? pixelValues : pixelValues.toType(DataType.FLOAT32, false);
        List<Integer> layers = config().featureLayerIndexes();
        Map<Integer, NDArray> states = visionTower.visionModel().hiddenStates(pixels, layers);
        NDList cls = new NDList();
        for (int layer : layers) {
            cls.add(states.get(layer).get(":, 0:1, :"));
        }
        NDArray features = cls.size() == 1 ? cls.get(0) : NDArrays.concat(cls, 1);
        return visualAdapter.forward(features);
    }

    /**
     * One forward pass: logits aligned with {@code input_ids}, the loss (labels aligned with
     * {@code input_ids}, transformers' causal shift) and the visual tokens.
     *
     * @throws MmpeftException naming the input whose shape or content is wrong
     */
    public LavinOutput forward(LavinInputs inputs) {
        NDArray features = inputs.pixelValues().map(this::imageFeatures).orElse(null);
        NDArray ids = TokenInputs.ids("input_ids", inputs.inputIds());
        NDArray mask = TokenInputs.mask(inputs.attentionMask().orElse(null), ids);
        NDArray labels = null;
        if (inputs.labels().isPresent()) {
            labels = TokenInputs.ids("labels", inputs.labels().get());
            if (!labels.getShape().equals(ids.getShape())) {
                throw new MmpeftException("labels: expected the shape of input_ids " + ids.getShape() + ", found " + labels.getShape());
            }
        }
        NDArray embeds = withModalityToken(features, ids);
        NDArray logits = languageModel.forward(embeds, withLeadingOne(mask), null, null, null).logits().get(":, 1:, :");
        NDArray loss = labels == null ? null : LlamaModel.causalLoss(logits, labels);
        return new LavinOutput(logits, loss, features);
    }

    /**
     * Generates new tokens greedily or by beam search from the prompts with the visual tokens in
     * place, the modality token in front; right-padded prompts are left-aligned first (their
     * padding moved to the front), so the modality token leads every row.
     */
    public GenerationResult generate(LavinInputs inputs, GenerationConfig generation) {
        NDArray features = inputs.pixelValues().map(this::imageFeatures).orElse(null);
        NDArray ids = TokenInputs.ids("input_ids", inputs.inputIds());
        NDArray mask = TokenInputs.mask(inputs.attentionMask().orElse(null), ids);
        NDArray[] aligned = leftAligned(ids, mask);
        NDArray embeds = withModalityToken(features, aligned[0]);
        return Generator.generate(languageModel, embeds, withLeadingOne(aligned[1]), generation);
    }

    /**
     * Per example, the loss of every answer candidate (lower is better) with the definition
     * InstructBLIP-LLaMA and LLaVA use (LAVIS's {@code predict_class}), so families rank alike.
     *
     * @param inputs prompts right-padded ({@link LavinProcessor#scoringInputs})
     * @param candidates each candidate's ids as the tokenizer returns them (starting with BOS)
     */
    public CandidateScores scoreCandidates(LavinInputs inputs, List<long[]> candidates) {
        NDArray ids = TokenInputs.ids("input_ids", inputs.inputIds());
        NDArray mask = TokenInputs.mask(inputs.attentionMask().orElse(null), ids);
        NDArray features = inputs.pixelValues().map(this::imageFeatures).orElse(null);
        return LavinScoring.score(this, features, ids, mask, candidates);
    }

    /**
     * The language model's input: the modality token of each row, then the token embeddings with
     * the visual tokens scattered into the placeholders (row-major), {@code [batch, 1 + len, d]}.
     */
    NDArray withModalityToken(@Nullable NDArray features, NDArray ids) {
        int batch = (int) ids.getShape().get(0);
        int len = (int) ids.getShape().get(1);
        long[] flat = ids.toLongArray();
        long imageToken = config().imageTokenId();
        long vocab = languageModel.vocabSize();
        int tokens = 0;
        long[] embedIds = new long[flat.length];
        long[] modality = new long[batch];
        for (int i = 0; i < flat.length; i++) {
            if (flat[i] == imageToken) {
                tokens++;
                modality[i / len] = IMAGE;
            } else if (flat[i] < 0 || flat[i] >= vocab) {
                throw new MmpeftException("input_ids: id " + flat[i] + " is outside the language model's vocabulary (0.." + (vocab - 1) + ")");
            } else {
                embedIds[i] = flat[i];
            }
        }
        NDManager m = ids.getManager();
        NDArray embeds = languageModel.embedTokens(m.create(embedIds, new Shape(batch, len)));
        long featureRows = features == null ? 0 : features.getShape().get(0) * features.getShape().get(1);
        if (tokens != featureRows) {
            long perImage = config().imageFeatureCount();
            throw new MmpeftException("input_ids: image tokens and visual features do not match: " + tokens + " image tokens (id "
                    + imageToken + "), " + featureRows + " features (" + (features == null ? 0 : features.getShape().get(0))
                    + " images x " + perImage + " visual tokens each); expected one token per visual feature");
        }
        if (features != null) {
            long hidden = embeds.getShape().get(2);
            long[] index = new long[flat.length];
            int k = 0;
            for (int i = 0; i < flat.length; i++) {
                index[i] = flat[i] == imageToken ? k++ : featureRows + i;
            }
            NDArray both = features.reshape(featureRows, hidden).concat(embeds.reshape((long) batch * len, hidden), 0);
            NDArray gatherIndex = m.create(index, new Shape(flat.length, 1)).broadcast(new Shape(flat.length, hidden));
            embeds = both.gather(gatherIndex, 0).reshape(batch, len, hidden);
        }
        NDArray token = modalityEmbedding.forward(m.create(modality, new Shape(batch, 1)));
        return token.concat(embeds, 1);
    }

    /** The modality id of every row: {@link #IMAGE} when it holds image placeholders. */
    public long[] modalities(NDArray ids) {
        int batch = (int) ids.getShape().get(0);
        int len = (int) ids.getShape().get(1);
        long[] flat = ids.toLongArray();
        long[] out = new long[batch];
        for (int i = 0; i < flat.length; i++) {
            if (flat[i] == config().imageTokenId()) {
                out[i / len] = IMAGE;
            }
        }
        return out;
    }

    private static NDArray withLeadingOne(NDArray mask) {
        return mask.getManager().ones(new Shape(mask.getShape().get(0), 1), mask.getDataType()).concat(mask, 1);
    }

    /** Rows whose last position is padding get their padding moved to the front, order otherwise kept. */
    static NDArray[] leftAligned(NDArray ids, NDArray mask) {
        int batch = (int) ids.getShape().get(0);
        int len = (int) ids.getShape().get(1);
        long[] i = ids.toLongArray();
        long[] m = mask.toLongArray();
        boolean any = false;
        long[] outIds = new long[i.length];
        long[] outMask = new long[m.length];
        for (int b = 0; b < batch; b++) {
            int k = b * len;
            for (int pass = 0; pass < 2; pass++) {
                for (int t = 0; t < len; t++) {
                    boolean pad = m[b * len + t] == 0;
                    if (pad == (pass == 0)) {
                        outIds[k] = i[b * len + t];
                        outMask[k++] = m[b * len + t];
                    }
                }
            }
            any |= m[b * len + len - 1] == 0;
        }
        if (!any) {
            return new NDArray[] {ids, mask};
        }
        NDManager mm = ids.getManager();
        return new NDArray[] {mm.create(outIds, ids.getShape()), mm.create(outMask, ids.getShape())};
    }

    // ------------------------------------------------------------------------------- structure

    /**
     * The module names that make up a component: the CLIP layers' {@code self_attn.{q,k,v,out}_proj}
     * (VISION_ATTN) and {@code mlp.fc1/fc2} (VISION_MLP), the visual adapter {@code adapter_proj}
     * (LANGUAGE_PROJECTION, the connector), LLaMA's {@code q_proj}/{@code v_proj} (LLM_ATTN) and
     * {@code gate/up/down_proj} (LLM_FFN) under {@code language_model.}; nothing for the Q-Former
     * components and QUERY_TOKENS. Structural: no array is needed.
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
                    out.add(VISUAL_ADAPTER);
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

    /** Parameter counts per top-level part from declared shapes alone. */
    public Map<String, Long> structuralCount() {
        Map<String, Long> parts = new LinkedHashMap<>();
        parts.put(VISION_TOWER, visionTower.parameterCount());
        parts.put(VISUAL_ADAPTER, visualAdapter.parameterCount());
        parts.put(MODALITY_EMBEDDING, modalityEmbedding.parameterCount());
        parts.put(LANGUAGE_MODEL, languageModel.parameterCount());
        return parts;
    }
}
