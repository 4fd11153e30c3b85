package dev.mmpeft.models.t5;

import dev.mmpeft.models.nn.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.models.LanguageModel;
import dev.mmpeft.models.nn.Embedding;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.HfModel;
import dev.mmpeft.models.nn.KvCache;
import dev.mmpeft.models.nn.TokenHistory;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.Losses;
import dev.mmpeft.models.nn.Masks;
import dev.mmpeft.models.nn.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The T5 family (T5, T5 v1.1, Flan-T5) as transformers' {@code T5ForConditionalGeneration}:
 * {@code shared} token embedding, {@code encoder} and {@code decoder} stacks, and {@code lm_head}
 * (absent when the head is tied to {@code shared}, in which case decoder outputs are scaled by
 * {@code d_model^-0.5} before the projection, as Mesh TensorFlow did).
 *
 * <p>Built from a config alone ({@link #fromConfig}) it holds no arrays, so
 * {@link #parameterCount()} counts a 3-billion-parameter model instantly and exactly as
 * transformers does (the tied embedding counted once). {@link #load(Path)} reads a Hugging Face
 * directory, single-file or sharded, tensor by tensor.
 */
public final class T5Model extends HfModel<T5Config> implements LanguageModel {
    private final Embedding shared;
    private final T5Stack encoder;
    private final T5Stack decoder;
    private final @Nullable Linear lmHead;

    private T5Model(T5Config config) {
        super(config);
        this.shared = child("shared", new Embedding(config.vocabSize(), config.dModel()));
        this.encoder = child("encoder", new T5Stack(config, false));
        this.decoder = child("decoder", new T5Stack(config, true));
        this.lmHead = config.tieWordEmbeddings() ? null : child("lm_head", new Linear(config.dModel(), config.vocabSize(), false));
    }

    /** The structure of a model, with declared shapes and no arrays. */
    public static T5Model fromConfig(T5Config config) {
        return new T5Model(config);
    }

    /** A model with deterministic random weights (N(0, std); norms one), for tests and tiny examples. */
    public static T5Model random(T5Config config, NDManager manager, long seed, float std) {
        return withRandomWeights(new T5Model(config), manager, seed, std);
    }

    /**
     * Loads a Hugging Face T5 directory ({@code config.json} + {@code model.safetensors} or shards)
     * into arrays owned by the model; {@link #close()} frees them.
     *
     * @throws MmpeftException (a {@code ConfigException}, {@code SafetensorsException} or
     *     {@code WeightMismatchException}) naming the file and what is wrong
     */
    public static T5Model load(Path directory) {
        return owning(NDManager.newBaseManager(), manager -> load(directory, manager));
    }

    /** Loads a Hugging Face T5 directory into arrays owned by {@code manager}. */
    public static T5Model load(Path directory, NDManager manager) {
        return read(directory, T5Config.class, T5Model::new, manager);
    }

    @Override
    protected void loadWeights(Checkpoint checkpoint, NDManager manager) {
        Weights.load(this, checkpoint, "", manager, ignoredCheckpointNames(), checkpointAliases());
    }

    public Embedding shared() {
        return shared;
    }

    public T5Stack encoder() {
        return encoder;
    }

    public T5Stack decoder() {
        return decoder;
    }

    /** The untied output projection; empty when the head is tied to {@code shared}. */
    public Optional<Linear> lmHead() {
        return Optional.ofNullable(lmHead);
    }

    @Override
    public OptionalInt padTokenId() {
        return OptionalInt.of(config().padTokenId());
    }

    @Override
    public OptionalInt decoderStartTokenId() {
        return OptionalInt.of(config().decoderStartTokenId());
    }

    @Override
    public HfBlock block() {
        return this;
    }

    @Override
    public NDArray embedTokens(NDArray ids) {
        return shared.forward(ids);
    }

    /** Encoder output {@code [batch, seq, d_model]} for input embeddings and their mask (nullable: all ones). */
    public NDArray encode(NDArray inputsEmbeds, @Nullable NDArray attentionMask) {
        return encoder.forward(inputsEmbeds, attentionMask, null, null, null, null, 0);
    }

    /**
     * Decoder logits {@code [batch, length, vocab]} for decoder ids over an encoder output
     * computed once (as {@code encoder_outputs=} in transformers); the masks may be null (all ones).
     */
    public NDArray decode(
            NDArray decoderInputIds, @Nullable NDArray decoderAttentionMask, NDArray encoderHidden, @Nullable NDArray encoderMask) {
        NDArray crossBias = encoderMask == null ? null : Masks.padding(encoderMask);
        NDArray hidden = decoder.forward(
                shared.forward(decoderInputIds), decoderAttentionMask, encoderHidden, crossBias, null, null, 0);
        return logits(hidden);
    }

    /** Logits of decoder hidden states: {@code lm_head}, or the tied {@code shared} table after the {@code d_model^-0.5} rescale. */
    public NDArray logits(NDArray decoderHidden) {
        if (lmHead != null) {
            return lmHead.forward(decoderHidden);
        }
        NDArray scaled = decoderHidden.mul(Scalars.of(decoderHidden, (float) Math.pow(config().dModel(), -0.5)));
        return ai.djl.nn.core.Linear.linear(scaled, shared.weight().getArray()).singletonOrThrow();
    }

    /**
     * transformers' {@code _shift_right}: the decoder start token, then the labels without their
     * last position, with -100 replaced by the pad id.
     */
    public NDArray shiftRight(NDArray labels) {
        NDArray l = labels.toType(DataType.INT64, false);
        long batch = l.getShape().get(0);
        NDArray start = l.getManager().full(new Shape(batch, 1), config().decoderStartTokenId(), DataType.INT64);
        NDArray shifted = NDArrays.concat(new NDList(start, l.get(":, :-1")), 1);
        NDArray ignored = shifted.eq(Losses.IGNORE_INDEX).toType(DataType.INT64, false);
        return shifted.add(ignored.mul((long) config().padTokenId() - Losses.IGNORE_INDEX));
    }

    @Override
    public LmOutput forward(
            NDArray inputsEmbeds,
            NDArray attentionMask,
            @Nullable NDArray decoderInputIds,
            @Nullable NDArray decoderAttentionMask,
            @Nullable NDArray labels) {
        NDArray decoderIds = decoderInputIds;
        if (decoderIds == null) {
            if (labels == null) {
                throw new MmpeftException("t5 forward: give decoder_input_ids or labels (the decoder needs an input)");
            }
            decoderIds = shiftRight(labels);
        }
        NDArray encoded = encode(inputsEmbeds, attentionMask);
        NDArray crossBias = Masks.padding(attentionMask);
        NDArray hidden = decoder.forward(
                shared.forward(decoderIds), decoderAttentionMask, encoded, crossBias, null, null, 0);
        NDArray logits = logits(hidden);
        NDArray loss = labels == null ? null : Losses.crossEntropy(logits, labels);
        return LmOutput.of(logits, loss);
    }

    @Override
    public Set<String> modulesOf(Component component) {
        Set<String> out = new LinkedHashSet<>();
        for (Component part : component.parts()) {
            if (part == Component.LLM_ATTN) {
                addAttention(out, "encoder", encoder, false);
                addAttention(out, "decoder", decoder, true);
            } else if (part == Component.LLM_FFN) {
                addFeedForward(out, "encoder", encoder, 1);
                addFeedForward(out, "decoder", decoder, 2);
            }
        }
        return out;
    }

    private static void addAttention(Set<String> out, String stack, T5Stack s, boolean cross) {
        for (int i = 0; i < s.blocks().size(); i++) {
            out.add(stack + ".block." + i + ".layer.0.SelfAttention.q");
            out.add(stack + ".block." + i + ".layer.0.SelfAttention.v");
            if (cross) {
                out.add(stack + ".block." + i + ".layer.1.EncDecAttention.q");
                out.add(stack + ".block." + i + ".layer.1.EncDecAttention.v");
            }
        }
    }

    private void addFeedForward(Set<String> out, String stack, T5Stack s, int layer) {
        List<String> names = config().isGatedAct() ? List.of("wi_0", "wi_1", "wo") : List.of("wi", "wo");
        for (int i = 0; i < s.blocks().size(); i++) {
            for (String n : names) {
                out.add(stack + ".block." + i + ".layer." + layer + ".DenseReluDense." + n);
            }
        }
    }

    @Override
    public Set<String> ignoredCheckpointNames() {
        ImmutableSet.Builder<String> b = ImmutableSet.<String>builder()
                .add("encoder.embed_tokens.weight", "decoder.embed_tokens.weight")
                // transformers' _keys_to_ignore_on_load_unexpected for T5ForConditionalGeneration
                .add("decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight");
        if (lmHead == null) {
            b.add("lm_head.weight");
        }
        return b.build();
    }

    @Override
    public Map<String, List<String>> checkpointAliases() {
        List<String> aliases = new ArrayList<>(List.of("encoder.embed_tokens.weight", "decoder.embed_tokens.weight"));
        if (lmHead == null) {
            aliases.add("lm_head.weight");
        }
        return ImmutableMap.of("shared.weight", List.copyOf(aliases));
    }

    @Override
    public DecodingSession startDecoding(NDArray inputsEmbeds, NDArray attentionMask, int expand, boolean useCache) {
        return new Session(inputsEmbeds, attentionMask, expand, useCache);
    }


    /** Encoder run once; decoder fed token by token (with a KV cache, or recomputed in full). */
    private final class Session implements DecodingSession {
        private final NDManager manager;
        private int rows;
        private final boolean useCache;
        private NDArray encoded;
        private NDArray crossBias;
        private final KvCache selfCache;
        private final KvCache crossCache;
        private final TokenHistory history = new TokenHistory();
        private int past;

        Session(NDArray inputsEmbeds, NDArray attentionMask, int expand, boolean useCache) {
            this.manager = inputsEmbeds.getManager().newSubManager();
            this.useCache = useCache;
            this.rows = Math.toIntExact(inputsEmbeds.getShape().get(0) * expand);
            try (NDManager scope = manager.newSubManager()) {
                NDArray embeds = inputsEmbeds.duplicate();
                embeds.attach(scope);
                NDArray mask = attentionMask.duplicate();
                mask.attach(scope);
                NDArray hidden = encode(embeds, mask);
                // transformers expands the encoder outputs per beam with repeat_interleave
                NDArray expanded = hidden.repeat(0, expand);
                NDArray bias = Masks.padding(mask.repeat(0, expand));
                expanded.attach(manager);
                bias.attach(manager);
                this.encoded = expanded;
                this.crossBias = bias;
            }
            this.selfCache = new KvCache(manager, decoder.blocks().size());
            this.crossCache = new KvCache(manager, decoder.blocks().size());
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public NDArray first(NDManager scope) {
            long[] start = new long[rows];
            java.util.Arrays.fill(start, config().decoderStartTokenId());
            return next(scope, start);
        }

        @Override
        public NDArray next(NDManager scope, long[] tokens) {
            if (tokens.length != rows) {
                throw new IllegalArgumentException("expected " + rows + " tokens, got " + tokens.length);
            }
            NDArray hidden;
            if (useCache) {
                NDArray ids = scope.create(tokens, new Shape(rows, 1));
                hidden = decoder.forward(shared.forward(ids), null, encoded, crossBias, selfCache, crossCache, past);
                past++;
            } else {
                history.append(tokens);
                NDArray ids = scope.create(history.rowMajor(rows), new Shape(rows, history.length()));
                hidden = decoder.forward(shared.forward(ids), null, encoded, crossBias, null, crossCache, 0);
            }
            NDArray last = hidden.get(":, -1, :");
            return logits(last);
        }

        @Override
        public void reorder(long[] order) {
            if (useCache) {
                // cross-attention keys are identical for the beams of one example: only self-attention moves
                selfCache.reorder(order);
            } else {
                history.select(order);
            }
        }

        @Override
        public void retain(long[] keep) {
            try (NDArray index = manager.create(keep)) {
                encoded = taken(encoded, index);
                crossBias = taken(crossBias, index);
            }
            selfCache.reorder(keep);
            crossCache.reorder(keep);
            history.select(keep);
            rows = keep.length;
        }

        private NDArray taken(NDArray array, NDArray index) {
            NDArray out = array.get(index);
            out.attach(manager);
            array.close();
            return out;
        }

        @Override
        public void close() {
            selfCache.close();
            crossCache.close();
            manager.close();
        }
    }
}
