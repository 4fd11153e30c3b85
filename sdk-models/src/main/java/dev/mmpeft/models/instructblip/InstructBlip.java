package dev.mmpeft.models.instructblip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.common.collect.ImmutableSet;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.core.config.TextModelConfig;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.train.Autograd;
import dev.mmpeft.models.LanguageModel;
import dev.mmpeft.models.generation.CandidateScorer;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.generation.Generator;
import dev.mmpeft.models.generation.RowRetention;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.nn.Broadcasts;
import dev.mmpeft.models.nn.HfModel;
import dev.mmpeft.models.nn.Scopes;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.qformer.InstructBlipQFormerModel;
import dev.mmpeft.models.qformer.QFormerLayer;
import dev.mmpeft.models.t5.T5Model;
import dev.mmpeft.models.vision.InstructBlipVisionModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * InstructBLIP (transformers' {@code InstructBlipForConditionalGeneration}) as one DJL block tree
 * whose parameters carry the Hugging Face names: {@code vision_model.*}, {@code query_tokens},
 * {@code qformer.*}, {@code language_projection.*}, {@code language_model.*} (a Flan-T5 or
 * LLaMA/Vicuna {@link LanguageModel}). A Hugging Face directory loads with no renaming.
 *
 * <p>Ways to get one: {@link #load(Path)} (single or sharded safetensors, tensor by tensor),
 * {@link #fromConfig} (the structure only, no arrays: for structural counts, and for PEFT to build
 * a second structure over the same arrays with {@link #sharingArraysOf}), {@link #random} (tests).
 *
 * <p>How the query outputs reach the language model depends on the checkpoint generation, and is
 * decided per batch: when the config has an {@code image_token_id} (or {@code image_token_index})
 * and {@code input_ids} contain it, every row must contain exactly {@code num_query_tokens} of
 * them and their embeddings are replaced by the projected queries, in order (newer transformers'
 * {@code masked_scatter}); otherwise the projected queries are put in front of the token
 * embeddings and the attention mask is extended with ones (older transformers and LAVIS). The two
 * give the language model the same sequence for the same prompt.
 *
 * <p>Memory: every activation is computed from the inputs, so results land in the inputs'
 * manager; scope each batch in a sub-manager ({@code DJL_NOTES.md}).
 */
public final class InstructBlip extends HfModel<InstructBlipConfig> implements dev.mmpeft.models.generation.GenerativeModel<InstructBlipInputs> {
    /** Names of the top-level parts, in model order. */
    public static final String VISION_MODEL = "vision_model";
    public static final String QUERY_TOKENS = "query_tokens";
    public static final String QFORMER = "qformer";
    public static final String LANGUAGE_PROJECTION = "language_projection";
    public static final String LANGUAGE_MODEL = "language_model";

    private final InstructBlipVisionModel visionModel;
    private final InstructBlipQFormerModel qformer;
    private final Linear languageProjection;
    private final LanguageModel languageModel;
    private final dev.mmpeft.models.nn.Hooks<QueryFeatureHook> queryFeatureHooks =
            new dev.mmpeft.models.nn.Hooks<>(QueryFeatureHook::isActive);
    private @Nullable VisionFeatureReuse visionReuse;
    private @Nullable ImageFeatureReuse imageReuse;

    private InstructBlip(InstructBlipConfig config) {
        super(config);
        this.visionModel = child(VISION_MODEL, new InstructBlipVisionModel(config.visionConfig()));
        declareParameter(QUERY_TOKENS, Parameter.Type.WEIGHT,
                new Shape(1, config.numQueryTokens(), config.qformerConfig().hiddenSize()));
        this.qformer = child(QFORMER, new InstructBlipQFormerModel(config.qformerConfig()));
        this.languageProjection = child(LANGUAGE_PROJECTION,
                new Linear(config.qformerConfig().hiddenSize(), config.textConfig().hiddenSize(), true));
        this.languageModel = languageModelOf(config.textConfig());
        child(LANGUAGE_MODEL, languageModel.block());
    }

    private static LanguageModel languageModelOf(TextModelConfig text) {
        if (text instanceof T5Config) {
            return T5Model.fromConfig((T5Config) text);
        }
        if (text instanceof LlamaConfig) {
            return LlamaModel.fromConfig((LlamaConfig) text);
        }
        throw new MmpeftException("text_config: model_type '" + text.modelType() + "' is not supported; expected t5 or llama");
    }

    /** The structure of a model from its config: declared shapes, no arrays. */
    public static InstructBlip fromConfig(InstructBlipConfig config) {
        return new InstructBlip(config);
    }

    /**
     * A new structure whose every parameter holds the very array of {@code base}'s parameter of
     * the same name (no copy): what PEFT builds its adapted model on, leaving {@code base} as it
     * was. The new model does not own the arrays; closing it frees nothing.
     */
    public static InstructBlip sharingArraysOf(InstructBlip base) {
        InstructBlip copy = new InstructBlip(base.config());
        Map<String, Parameter> from = base.namedParameters();
        for (Map.Entry<String, Parameter> e : copy.namedParameters().entrySet()) {
            Parameter source = from.get(e.getKey());
            if (source == null || !source.isInitialized()) {
                throw new IllegalStateException("base model has no array for '" + e.getKey() + "'");
            }
            e.getValue().setArray(source.getArray());
        }
        return copy;
    }

    /**
     * A model with deterministic random weights (weights N(0, std), biases zero, norm scales one)
     * in arrays it owns, for tests and tiny generated models.
     */
    public static InstructBlip random(InstructBlipConfig config, long seed, float std) {
        return random(config, seed, std, dev.mmpeft.core.Device.cpu());
    }

    /** {@link #random(InstructBlipConfig, long, float)} with its arrays on {@code device}. */
    public static InstructBlip random(InstructBlipConfig config, long seed, float std, dev.mmpeft.core.Device device) {
        return owning(NDManager.newBaseManager(device.toDjl()), manager -> withRandomWeights(new InstructBlip(config), manager, seed, std));
    }

    /** {@link #load(Path, Device)} on the CPU. */
    public static InstructBlip load(Path directory) {
        return load(directory, Device.cpu());
    }

    /**
     * Loads a Hugging Face InstructBLIP directory ({@code config.json} and {@code model.safetensors}
     * or {@code model-0000K-of-0000N.safetensors} with {@code model.safetensors.index.json}) onto a
     * device, one tensor at a time (the checkpoint is memory-mapped, so at most one tensor is held
     * twice). Older checkpoints with the vision attention's separate {@code q_bias}/{@code v_bias}
     * load too ({@code qkv.bias = cat(q_bias, 0, v_bias)}). Half precision is widened to float32.
     *
     * @throws MmpeftException ({@code ConfigException}, {@code SafetensorsException},
     *     {@code WeightMismatchException} listing missing, unexpected and mis-shaped tensors) naming
     *     the directory and what is wrong
     */
    public static InstructBlip load(Path directory, Device device) {
        return owning(NDManager.newBaseManager(device), manager -> read(directory, InstructBlipConfig.class, InstructBlip::new, manager));
    }

    /**
     * {@link #load(Path, Device)} on an SDK device ({@code Device.parse("gpu:1")}, {@code Devices.auto()}).
     *
     * @throws MmpeftException as the DJL-device variant, or naming the device when the machine lacks it
     */
    public static InstructBlip load(Path directory, dev.mmpeft.core.Device device) {
        return load(directory, dev.mmpeft.core.Devices.require(device).toDjl());
    }

    /** By name, plus the older vision {@code q_bias}/{@code v_bias} layout ({@link InstructBlipWeights}). */
    @Override
    protected void loadWeights(Checkpoint checkpoint, NDManager manager) {
        InstructBlipWeights.load(this, checkpoint, manager);
    }

    public InstructBlipVisionModel visionModel() {
        return visionModel;
    }

    /** The learned queries {@code query_tokens [1, num_query_tokens, qformer hidden]}. */
    public Parameter queryTokens() {
        return parameter(QUERY_TOKENS);
    }

    public InstructBlipQFormerModel qformer() {
        return qformer;
    }

    public Linear languageProjection() {
        return languageProjection;
    }

    public LanguageModel languageModel() {
        return languageModel;
    }

    /**
     * Reads and writes the frozen prefix's outputs through {@code cache} (null: stop): per image,
     * the vision encoder's output; per image and Q-Former instruction, the projected image features
     * the language model reads. The frozen weights are hashed when a level is first used, so the
     * caller must not change them while the cache is attached (the trainer attaches it for one run, in which only
     * trainable tensors change). Each level is used only while it is exact: the vision level not
     * when a vision tensor requires a gradient or its attention dropout is active
     * ({@code VisionFeatureReuse}); the image-feature level also not when a Q-Former, query-token
     * or projection tensor requires one, Q-Former dropout is active (training mode) or a
     * query-feature hook is ({@code ImageFeatureReuse}).
     */
    public void reuseFrozenFeatures(dev.mmpeft.core.cache.@Nullable FeatureCache cache) {
        this.visionReuse = cache == null ? null : VisionFeatureReuse.of(visionModel, cache);
        this.imageReuse = visionReuse == null ? null : ImageFeatureReuse.of(this, visionReuse, cache);
    }


    // ------------------------------------------------------------------------------- forward

    /**
     * The image features the language model sees: vision encoder, Q-Former with the instruction,
     * first {@code num_query_tokens} outputs through {@code language_projection}
     * ({@code [batch, num_query_tokens, lm_hidden]}).
     */
    public NDArray imageFeatures(NDArray pixelValues, NDArray qformerInputIds, @Nullable NDArray qformerAttentionMask) {
        checkBatch("qformer_input_ids", qformerInputIds, pixelValues.getShape().get(0));
        NDArray textMask = qformerAttentionMask == null
                ? qformerInputIds.onesLike().toType(DataType.INT64, false)
                : checkSameShape("qformer_attention_mask", qformerAttentionMask, qformerInputIds).toType(DataType.INT64, false);
        NDArray ids = qformerInputIds.toType(DataType.INT64, false);
        if (imageReuse != null && queryFeatureHooks.active() == null && imageReuse.exact()) {
            return imageReuse.forward(pixelValues, ids, textMask, this::imageFeatures);
        }
        return imageFeatures(pixelValues, null, ids, textMask);
    }

    /** The uncached prefix; {@code pixelDigests} when the image-feature level has hashed the pixels already. */
    private NDArray imageFeatures(NDArray pixelValues, String @Nullable [] pixelDigests, NDArray qformerInputIds, NDArray textMask) {
        NDArray image = visionReuse != null && visionReuse.exact()
                ? visionReuse.forward(pixelValues, pixelDigests != null ? pixelDigests : VisionFeatureKeys.pixelDigests(pixelValues))
                : visionFeatures(pixelValues);
        long batch = image.getShape().get(0);
        int q = config().numQueryTokens();
        NDArray queries = Broadcasts.parameter(queryTokens(), image, new Shape(batch, q, config().qformerConfig().hiddenSize()));
        QueryFeatureHook hook = queryFeatureHooks.active();
        NDArray queryOutput = hook == null
                ? queryOutputs(image, queries, qformerInputIds, textMask)
                : hook.queryOutputs((ids, m) -> queryOutputs(image, queries, ids, m), qformerInputIds, textMask);
        return languageProjection.forward(queryOutput);
    }

    /**
     * The vision encoder's output. When nothing in the encoder needs a gradient (frozen weights and
     * pixels without one, as in every PEFT setting of the papers), autograd keeps none of its
     * arrays, so the encoder runs in a scope of its own that is closed once the output exists: its
     * layers' outputs and the embeddings go at once, as PyTorch frees them with their last
     * reference, instead of living to the end of the caller's scope (the training step). Measured
     * with ./mmpeft bench, LoRA r=2, three alternating pairs: peak RSS 1,039 / 1,014 / 1,010 MB
     * without, 1,003 / 996 / 958 MB with.
     */
    private NDArray visionFeatures(NDArray pixelValues) {
        if (pixelValues.hasGradient() || !visionModel.isFrozen()) {
            return visionModel.forward(pixelValues);
        }
        // no grad mode either: nothing here records history anyway, and the trainer's activation
        // checkpointing must not take these layers for ones to run again in the backward pass
        try (Autograd.GradMode off = Autograd.gradMode(false)) {
            return Scopes.inOwnScope(pixelValues, visionModel::forward);
        }
    }

    /** The Q-Former's first {@code num_query_tokens} outputs for one instruction. */
    private NDArray queryOutputs(NDArray image, NDArray queries, NDArray instructionIds, NDArray textMask) {
        int q = config().numQueryTokens();
        long batch = image.getShape().get(0);
        NDArray mask = image.getManager().ones(new Shape(batch, q), DataType.INT64).concat(textMask, 1);
        NDArray out = qformer.forward(instructionIds, mask, queries, image);
        return out.getShape().get(1) == q ? out : out.get(new NDIndex(":, :{}, :", q));
    }

    /**
     * Attaches a query-feature hook under {@code name}; one that is an {@link dev.mmpeft.models.nn.HfBlock}
     * also becomes a child, so its parameters are named {@code <name>...}.
     */
    public void attachQueryFeatureHook(String name, QueryFeatureHook hook) {
        queryFeatureHooks.attach(name, hook, this::child);
    }

    /** Detaches a query-feature hook; returns whether one was attached under that name. */
    public boolean detachQueryFeatureHook(String name) {
        return queryFeatureHooks.detach(name, this::removeChild);
    }

    /** The attached query-feature hooks by name, in order. */
    public Map<String, QueryFeatureHook> queryFeatureHooks() {
        return queryFeatureHooks.byName();
    }

    /**
     * One forward pass with the loss when labels are given, as transformers'
     * {@code InstructBlipForConditionalGeneration.forward}.
     *
     * @throws MmpeftException naming the input tensor that has the wrong shape or content
     */
    public InstructBlipOutput forward(InstructBlipInputs inputs) {
        NDArray projected = imageFeatures(inputs.pixelValues(), inputs.qformerInputIds(), inputs.qformerAttentionMask().orElse(null));
        LanguageInput lm = languageInput(projected, inputs.inputIds(), inputs.attentionMask().orElse(null));
        NDArray decoderIds = inputs.decoderInputIds().map(a -> a.toType(DataType.INT64, false)).orElse(null);
        NDArray decoderMask = inputs.decoderAttentionMask().map(a -> a.toType(DataType.INT64, false)).orElse(null);
        NDArray labels = inputs.labels().map(a -> a.toType(DataType.INT64, false)).orElse(null);
        if (languageModel.isEncoderDecoder()) {
            if (decoderIds == null && labels == null) {
                throw new MmpeftException("a T5 backbone needs labels or decoder_input_ids");
            }
        } else {
            if (decoderIds != null || decoderMask != null) {
                throw new MmpeftException("decoder_input_ids / decoder_attention_mask are for encoder-decoder language models; "
                        + config().textConfig().modelType() + " is decoder-only");
            }
            if (labels != null && labels.getShape().get(1) > lm.embeds.getShape().get(1)) {
                throw new MmpeftException("labels: " + labels.getShape().get(1) + " positions, more than the language model's input ("
                        + lm.embeds.getShape().get(1) + ")");
            }
        }
        if (labels != null) {
            checkBatch("labels", labels, lm.embeds.getShape().get(0));
        }
        LanguageModel.LmOutput out = languageModel.forward(lm.embeds, lm.mask, decoderIds, decoderMask, labels);
        NDArray logits = out.logits();
        long positions = lm.embeds.getShape().get(1);
        if (!languageModel.isEncoderDecoder() && labels != null && positions != inputs.inputIds().getShape().get(1)) {
            // transformers' older InstructBLIP (queries concatenated in front of the prompt) returns the
            // logits of the labelled positions only: logits[:, -labels.size(1):]; with placeholders, all
            logits = logits.get(new ai.djl.ndarray.index.NDIndex(":, {}:, :", positions - labels.getShape().get(1)));
        }
        return new InstructBlipOutput(logits, out.loss().orElse(null), projected);
    }

    /**
     * Generates text tokens for a batch as transformers' {@code InstructBlipForConditionalGeneration.generate}:
     * image features and prompt placed as in {@link #forward}, then the language model's greedy or
     * beam search ({@link Generator}) from those input embeddings. The result holds the new tokens
     * only (the decoder start token and the prompt are not repeated). Intermediate arrays belong to
     * the inputs' manager, as for {@link #forward}.
     *
     * <p>Decoder-only prompts should be left-padded (as LAVIS and transformers do for generation;
     * {@code InstructBlipProcessor#generationInputs} does it).
     */
    public GenerationResult generate(InstructBlipInputs inputs, GenerationConfig generation) {
        return generate(inputs, generation, null);
    }

    /**
     * {@link #generate(InstructBlipInputs, GenerationConfig)}, dropping rows from the batch as they
     * finish when decoding greedily; {@code retention} hears which rows are left (a server routing
     * rows to adapters narrows its routes with it). Same tokens, less work for batches whose answers
     * differ in length. Null keeps every row to the end.
     */
    public GenerationResult generate(InstructBlipInputs inputs, GenerationConfig generation, @Nullable RowRetention retention) {
        NDArray projected = imageFeatures(inputs.pixelValues(), inputs.qformerInputIds(), inputs.qformerAttentionMask().orElse(null));
        LanguageInput lm = languageInput(projected, inputs.inputIds(), inputs.attentionMask().orElse(null));
        return Generator.generate(languageModel, lm.embeds, lm.mask, generation, retention);
    }

    /**
     * Scores answer candidates for each example of a batch by the language model's loss on them,
     * as LAVIS's InstructBLIP {@code predict_class} does for multiple choice: summed token loss for
     * T5, LAVIS's per-sequence mean for LLaMA ({@link CandidateScorer}); lower is better.
     *
     * @param inputs pixel values, Q-Former ids and the prompt ids, right-padded (LAVIS pads
     *     prompts on the right for scoring; {@code InstructBlipProcessor#scoringInputs} does); in the
     *     placeholder layout the {@code num_query_tokens} image tokens must lead each prompt
     * @param candidates each candidate's ids as the language model's tokenizer returns them (T5
     *     ending with EOS, LLaMA starting with BOS: {@code InstructBlipProcessor#candidateIds}),
     *     shared by every example of the batch
     * @throws MmpeftException naming the input when the prompt layout does not fit
     */
    public CandidateScores scoreCandidates(InstructBlipInputs inputs, List<long[]> candidates) {
        NDArray projected = imageFeatures(inputs.pixelValues(), inputs.qformerInputIds(), inputs.qformerAttentionMask().orElse(null));
        NDArray ids = inputs.inputIds().toType(DataType.INT64, false);
        checkBatch("input_ids", ids, projected.getShape().get(0));
        NDArray mask = inputs.attentionMask().map(a -> checkSameShape("attention_mask", a, ids).toType(DataType.INT64, false))
                .orElseGet(ids::onesLike);
        int batch = (int) ids.getShape().get(0);
        int len = (int) ids.getShape().get(1);
        long[] flatMask = mask.toLongArray();
        for (int b = 0; b < batch; b++) {
            for (int l = 1; l < len; l++) {
                if (flatMask[b * len + l] != 0 && flatMask[b * len + l - 1] == 0) {
                    throw new MmpeftException("attention_mask: row " + b + " is not right-padded; candidate scoring reads prompts padded on the right");
                }
            }
        }
        if (imageTokenPositions(ids.toLongArray(), batch, len).isPresent()) {
            // the placeholders lead every prompt: drop them and give the queries as the prefix,
            // which is the same sequence the placeholders would have produced
            int q = config().numQueryTokens();
            long[] flat = ids.toLongArray();
            for (int b = 0; b < batch; b++) {
                for (int l = 0; l < q; l++) {
                    if (flat[b * len + l] != config().imageTokenId().orElseThrow()) {
                        throw new MmpeftException("input_ids: row " + b + ": for candidate scoring the " + q + " image tokens must lead the prompt");
                    }
                }
            }
            NDArray rest = ids.get(new NDIndex(":, {}:", q));
            NDArray restMask = mask.get(new NDIndex(":, {}:", q));
            return CandidateScorer.score(languageModel, projected, null, rest, restMask, candidates);
        }
        return CandidateScorer.score(languageModel, projected, null, ids, mask, candidates);
    }

    /** The language model's input embeddings and mask for a batch, with the query outputs placed. */
    LanguageInput languageInput(NDArray projected, NDArray inputIds, @Nullable NDArray attentionMask) {
        long batch = projected.getShape().get(0);
        checkBatch("input_ids", inputIds, batch);
        NDArray ids = inputIds.toType(DataType.INT64, false);
        NDArray mask = attentionMask == null
                ? ids.onesLike()
                : checkSameShape("attention_mask", attentionMask, inputIds).toType(DataType.INT64, false);
        long[] flat = ids.toLongArray();
        long vocab = languageModel.vocabSize();
        for (long id : flat) {
            if (id < 0 || id >= vocab) {
                throw new MmpeftException("input_ids: id " + id + " is outside the language model's vocabulary (0.." + (vocab - 1) + ")");
            }
        }
        NDArray embeds = languageModel.embedTokens(ids);
        int q = config().numQueryTokens();
        Optional<int[]> positions = imageTokenPositions(flat, (int) batch, (int) ids.getShape().get(1));
        if (positions.isPresent()) {
            // newer transformers: masked_scatter of the projected queries into the placeholders,
            // done as a gather from [queries; tokens] so gradients reach both
            NDArray both = projected.concat(embeds, 1);
            long len = ids.getShape().get(1);
            NDArray index = ids.getManager().create(Arrays.stream(positions.get()).asLongStream().toArray(), new Shape(batch, len, 1))
                    .broadcast(new Shape(batch, len, embeds.getShape().get(2)));
            return new LanguageInput(both.gather(index, 1), mask);
        }
        NDArray queryMask = ids.getManager().ones(new Shape(batch, q), DataType.INT64);
        return new LanguageInput(projected.concat(embeds, 1), queryMask.concat(mask, 1));
    }

    /**
     * For the placeholder layout: per position, the index into {@code [queries; tokens]} to take
     * the embedding from; empty for the concatenation layout.
     */
    private Optional<int[]> imageTokenPositions(long[] ids, int batch, int len) {
        Optional<Integer> token = config().imageTokenId();
        if (token.isEmpty()) {
            return Optional.empty();
        }
        int q = config().numQueryTokens();
        int[] index = new int[batch * len];
        int rowsWith = 0;
        for (int b = 0; b < batch; b++) {
            int k = 0;
            for (int l = 0; l < len; l++) {
                if (ids[b * len + l] == token.get()) {
                    index[b * len + l] = k++;
                } else {
                    index[b * len + l] = q + l;
                }
            }
            if (k > 0) {
                rowsWith++;
                if (k != q) {
                    throw new MmpeftException("input_ids: row " + b + " has " + k + " image tokens (id " + token.get()
                            + "); expected num_query_tokens = " + q + " or none");
                }
            }
        }
        if (rowsWith == 0) {
            return Optional.empty();
        }
        if (rowsWith != batch) {
            throw new MmpeftException("input_ids: " + rowsWith + " of " + batch + " rows contain image tokens (id " + token.get()
                    + "); expected all rows or none");
        }
        return Optional.of(index);
    }

    /** Embeddings and mask fed to the language model. */
    static final class LanguageInput {
        final NDArray embeds;
        final NDArray mask;

        LanguageInput(NDArray embeds, NDArray mask) {
            this.embeds = embeds;
            this.mask = mask;
        }
    }

    private static void checkBatch(String name, NDArray a, long batch) {
        if (a.getShape().dimension() != 2 || a.getShape().get(0) != batch) {
            throw new MmpeftException(name + ": expected shape [" + batch + ", length] (the batch of pixel_values), found " + a.getShape());
        }
        if (a.getDataType().isFloating()) {
            throw new MmpeftException(name + ": expected integer ids (int32 or int64), found " + a.getDataType());
        }
    }

    private static NDArray checkSameShape(String name, NDArray a, NDArray like) {
        if (!a.getShape().equals(like.getShape())) {
            throw new MmpeftException(name + ": expected shape " + like.getShape() + ", found " + a.getShape());
        }
        return a;
    }

    // ------------------------------------------------------------------------------- structure

    /**
     * The full Hugging Face module names that make up a component (DESIGN.md's table): for
     * Q-Former and vision components the {@code Linear} modules; for LLM components those the
     * language model names, prefixed with {@code language_model.}; {@code query_tokens} (a bare
     * parameter) and {@code language_projection} for the last two. Composite components are the
     * union of their parts. Structural: no array is needed.
     */
    @Override
    public Set<String> modulesOf(Component component) {
        Set<String> out = new LinkedHashSet<>();
        for (Component part : component.parts()) {
            addModules(part, out);
        }
        return ImmutableSet.copyOf(out);
    }

    private void addModules(Component part, Set<String> out) {
        switch (part) {
            case QFORMER_SELF_ATTN:
                forEachQFormerLayer((n, l) -> {
                    out.add(n + ".attention.attention.query");
                    out.add(n + ".attention.attention.value");
                });
                break;
            case QFORMER_CROSS_ATTN:
                forEachQFormerLayer((n, l) -> {
                    if (l.hasCrossAttention()) {
                        out.add(n + ".crossattention.attention.query");
                        out.add(n + ".crossattention.attention.key");
                        out.add(n + ".crossattention.attention.value");
                        out.add(n + ".crossattention.output.dense");
                    }
                });
                break;
            case QFORMER_FFN:
                forEachQFormerLayer((n, l) -> {
                    out.add(n + ".intermediate.dense");
                    out.add(n + ".output.dense");
                    out.add(n + ".intermediate_query.dense");
                    out.add(n + ".output_query.dense");
                });
                break;
            case VISION_ATTN:
                forEachVisionLayer(n -> {
                    out.add(n + ".self_attn.qkv");
                    out.add(n + ".self_attn.projection");
                });
                break;
            case VISION_MLP:
                forEachVisionLayer(n -> {
                    out.add(n + ".mlp.fc1");
                    out.add(n + ".mlp.fc2");
                });
                break;
            case LLM_ATTN:
            case LLM_FFN:
                for (String m : languageModel.modulesOf(part)) {
                    out.add(LANGUAGE_MODEL + "." + m);
                }
                break;
            case QUERY_TOKENS:
                out.add(QUERY_TOKENS);
                break;
            case LANGUAGE_PROJECTION:
                out.add(LANGUAGE_PROJECTION);
                break;
            default:
                throw new IllegalArgumentException("not an elementary component: " + part);
        }
    }

    private void forEachVisionLayer(java.util.function.Consumer<String> f) {
        for (int i = 0; i < visionModel.encoder().layers().size(); i++) {
            f.accept(VISION_MODEL + ".encoder.layers." + i);
        }
    }

    private void forEachQFormerLayer(java.util.function.BiConsumer<String, QFormerLayer> f) {
        var layers = qformer.encoder().layers();
        for (int i = 0; i < layers.size(); i++) {
            f.accept(QFORMER + ".encoder.layer." + i, layers.get(i));
        }
    }

    /** Parameter counts per top-level part from declared shapes alone (no arrays needed). */
    public StructuralCount structuralCount() {
        Map<String, Long> parts = new LinkedHashMap<>();
        parts.put(VISION_MODEL, visionModel.parameterCount());
        parts.put(QFORMER, qformer.parameterCount());
        parts.put(LANGUAGE_PROJECTION, languageProjection.parameterCount());
        parts.put(QUERY_TOKENS, declaredShape(QUERY_TOKENS).size());
        parts.put(LANGUAGE_MODEL, languageModel.block().parameterCount());
        return new StructuralCount(parts);
    }

    /** {@link #structuralCount()} of a config, without building arrays. */
    public static StructuralCount structuralCount(InstructBlipConfig config) {
        return fromConfig(config).structuralCount();
    }
}
