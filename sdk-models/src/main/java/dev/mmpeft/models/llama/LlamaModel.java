package dev.mmpeft.models.llama;

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
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.models.LanguageModel;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.HfModel;
import dev.mmpeft.models.nn.KvCache;
import dev.mmpeft.models.nn.TokenHistory;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.Losses;
import dev.mmpeft.models.nn.Weights;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The LLaMA family (LLaMA, Llama 2, Vicuna) as transformers' {@code LlamaForCausalLM}: the decoder
 * stack {@code model} and {@code lm_head} (absent when tied to {@code model.embed_tokens}).
 *
 * <p>Position ids: {@link #forward} numbers positions {@code 0..seq-1} whatever the padding, as
 * transformers' forward does when given none (and as InstructBLIP's forward passes none);
 * generation ({@link #startDecoding}) numbers them as transformers' {@code generate} does,
 * {@code cumsum(attention_mask) - 1} with padded positions set to 1, so left padding does not
 * shift a prompt's positions.
 */
public final class LlamaModel extends HfModel<LlamaConfig> implements LanguageModel {
    private final LlamaTransformer model;
    private final @Nullable Linear lmHead;

    private LlamaModel(LlamaConfig config) {
        super(config);
        this.model = child("model", new LlamaTransformer(config));
        this.lmHead = config.tieWordEmbeddings() ? null : child("lm_head", new Linear(config.hiddenSize(), config.vocabSize(), false));
    }

    /** The structure of a model, with declared shapes and no arrays. */
    public static LlamaModel fromConfig(LlamaConfig config) {
        return new LlamaModel(config);
    }

    /** A model with deterministic random weights (N(0, std); norms one), for tests and tiny examples. */
    public static LlamaModel random(LlamaConfig config, NDManager manager, long seed, float std) {
        return withRandomWeights(new LlamaModel(config), manager, seed, std);
    }

    /**
     * Loads a Hugging Face LLaMA directory ({@code config.json} + {@code model.safetensors} or
     * shards) into arrays owned by the model; {@link #close()} frees them.
     */
    public static LlamaModel load(Path directory) {
        return owning(NDManager.newBaseManager(), manager -> load(directory, manager));
    }

    /** Loads a Hugging Face LLaMA directory into arrays owned by {@code manager}. */
    public static LlamaModel load(Path directory, NDManager manager) {
        return read(directory, LlamaConfig.class, LlamaModel::new, manager);
    }

    @Override
    protected void loadWeights(Checkpoint checkpoint, NDManager manager) {
        Weights.load(this, checkpoint, "", manager, ignoredCheckpointNames(), checkpointAliases());
    }

    /** The decoder stack ({@code model}). */
    public LlamaTransformer model() {
        return model;
    }

    /** The untied output projection; empty when tied to {@code model.embed_tokens}. */
    public Optional<Linear> lmHead() {
        return Optional.ofNullable(lmHead);
    }

    @Override
    public OptionalInt padTokenId() {
        return config().padTokenId().map(OptionalInt::of).orElse(OptionalInt.empty());
    }

    @Override
    public OptionalInt decoderStartTokenId() {
        return OptionalInt.empty();
    }

    @Override
    public HfBlock block() {
        return this;
    }

    @Override
    public NDArray embedTokens(NDArray ids) {
        return model.embedTokens().forward(ids);
    }

    /** Logits of final hidden states: {@code lm_head}, or the tied embedding table. */
    public NDArray logits(NDArray hidden) {
        if (lmHead != null) {
            return lmHead.forward(hidden);
        }
        return ai.djl.nn.core.Linear.linear(hidden, model.embedTokens().weight().getArray()).singletonOrThrow();
    }

    /**
     * Final hidden states for explicit position ids ({@code [batch or 1, seq]}), for callers that
     * number positions themselves.
     */
    public NDArray hidden(NDArray inputsEmbeds, @Nullable NDArray attentionMask, NDArray positionIds) {
        return model.forward(inputsEmbeds, attentionMask, positionIds, null, 0);
    }

    @Override
    public LmOutput forward(
            NDArray inputsEmbeds,
            NDArray attentionMask,
            @Nullable NDArray decoderInputIds,
            @Nullable NDArray decoderAttentionMask,
            @Nullable NDArray labels) {
        if (decoderInputIds != null || decoderAttentionMask != null) {
            throw new MmpeftException("llama forward: decoder_input_ids / decoder_attention_mask are for encoder-decoders; LLaMA is decoder-only");
        }
        long length = inputsEmbeds.getShape().get(1);
        NDArray positions = inputsEmbeds.getManager().arange(0, (int) length, 1, DataType.INT64).reshape(1, length);
        NDArray logits = logits(hidden(inputsEmbeds, attentionMask, positions));
        NDArray loss = null;
        if (labels != null) {
            loss = causalLoss(logits, labels);
        }
        return LmOutput.of(logits, loss);
    }

    /**
     * transformers' causal LM loss: labels cover the last {@code labels.size(1)} positions; logits
     * at position {@code t} predict the label at {@code t + 1}; -100 is ignored; mean over the rest.
     */
    public static NDArray causalLoss(NDArray logits, NDArray labels) {
        long positions = logits.getShape().get(1);
        long labelled = labels.getShape().get(1);
        if (labelled > positions) {
            throw new MmpeftException("llama loss: labels cover " + labelled + " positions but the input has only " + positions);
        }
        NDArray tail = labelled == positions ? logits : logits.get(":, " + (positions - labelled) + ":, :");
        return Losses.crossEntropy(tail.get(":, :-1, :"), labels.toType(DataType.INT64, false).get(":, 1:"));
    }

    @Override
    public Set<String> modulesOf(Component component) {
        Set<String> out = new LinkedHashSet<>();
        for (Component part : component.parts()) {
            List<String> names = part == Component.LLM_ATTN
                    ? List.of("self_attn.q_proj", "self_attn.v_proj")
                    : part == Component.LLM_FFN ? List.of("mlp.gate_proj", "mlp.up_proj", "mlp.down_proj") : List.of();
            for (int i = 0; i < model.layers().size(); i++) {
                for (String n : names) {
                    out.add("model.layers." + i + "." + n);
                }
            }
        }
        return out;
    }

    @Override
    public Set<String> ignoredCheckpointNames() {
        ImmutableSet.Builder<String> b = ImmutableSet.builder();
        // rotary buffers that older transformers versions saved with the weights
        b.add("model.rotary_emb.inv_freq");
        for (int i = 0; i < model.layers().size(); i++) {
            b.add("model.layers." + i + ".self_attn.rotary_emb.inv_freq");
        }
        if (lmHead == null) {
            b.add("lm_head.weight");
        }
        return b.build();
    }

    @Override
    public Map<String, List<String>> checkpointAliases() {
        return lmHead == null ? ImmutableMap.of("model.embed_tokens.weight", List.of("lm_head.weight")) : ImmutableMap.of();
    }

    @Override
    public DecodingSession startDecoding(NDArray inputsEmbeds, NDArray attentionMask, int expand, boolean useCache) {
        return new Session(inputsEmbeds, attentionMask, expand, useCache);
    }


    /**
     * Prompt prefix then one token per step, positions as transformers' generate numbers them.
     *
     * <p>A row whose last position is padding (right padding) is first rearranged so its padding
     * comes first: with positions from the mask and padding masked out this changes nothing but
     * which position's logits come next, and makes that the last real token (transformers would
     * read the logits of a padding position there, and warns about it).
     */
    private final class Session implements DecodingSession {
        private final NDManager manager;
        private int rows;
        private final boolean useCache;
        private final @Nullable KvCache cache;
        private NDArray prompt;
        private long[][] mask;
        private final TokenHistory history = new TokenHistory();
        private int cached;

        Session(NDArray inputsEmbeds, NDArray attentionMask, int expand, boolean useCache) {
            this.manager = inputsEmbeds.getManager().newSubManager();
            this.useCache = useCache;
            Shape s = inputsEmbeds.getShape();
            int batch = (int) s.get(0);
            int length = (int) s.get(1);
            this.rows = batch * expand;
            long[] m = attentionMask.toType(DataType.INT64, false).toLongArray();
            long[][] rowsMask = new long[batch][length];
            long[] order = new long[batch * length];
            boolean realign = false;
            for (int b = 0; b < batch; b++) {
                boolean rightPadded = m[b * length + length - 1] == 0;
                realign |= rightPadded;
                int k = 0;
                if (rightPadded) {
                    for (int t = 0; t < length; t++) {
                        if (m[b * length + t] == 0) {
                            order[b * length + k++] = t;
                        }
                    }
                    for (int t = 0; t < length; t++) {
                        if (m[b * length + t] != 0) {
                            order[b * length + k++] = t;
                        }
                    }
                } else {
                    for (int t = 0; t < length; t++) {
                        order[b * length + t] = t;
                    }
                }
                for (int t = 0; t < length; t++) {
                    rowsMask[b][t] = m[b * length + (int) order[b * length + t]] != 0 ? 1 : 0;
                }
            }
            NDArray embeds = inputsEmbeds;
            if (realign) {
                NDArray index = manager.create(order, new Shape(batch, length, 1)).broadcast(batch, length, s.get(2));
                embeds = inputsEmbeds.gather(index, 1);
            }
            NDArray expanded = embeds.repeat(0, expand);
            expanded.attach(manager);
            this.prompt = expanded;
            this.mask = new long[rows][];
            for (int r = 0; r < rows; r++) {
                mask[r] = rowsMask[r / expand].clone();
            }
            this.cache = useCache ? new KvCache(manager, model.layers().size()) : null;
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public NDArray first(NDManager scope) {
            NDArray embeds = prompt.duplicate();
            embeds.attach(scope);
            return run(scope, embeds);
        }

        @Override
        public NDArray next(NDManager scope, long[] tokens) {
            if (tokens.length != rows) {
                throw new IllegalArgumentException("expected " + rows + " tokens, got " + tokens.length);
            }
            for (int r = 0; r < rows; r++) {
                long[] grown = java.util.Arrays.copyOf(mask[r], mask[r].length + 1);
                grown[grown.length - 1] = 1;
                mask[r] = grown;
            }
            if (useCache) {
                NDArray ids = scope.create(tokens, new Shape(rows, 1));
                return run(scope, embedTokens(ids));
            }
            history.append(tokens);
            NDArray generated = embedTokens(scope.create(history.rowMajor(rows), new Shape(rows, history.length())));
            NDArray embeds = NDArrays.concat(new NDList(prompt, generated), 1);
            embeds.attach(scope);
            return run(scope, embeds);
        }

        /** Runs {@code embeds} (the new positions, or everything without a cache); logits of the last position. */
        private NDArray run(NDManager scope, NDArray embeds) {
            int total = mask[0].length;
            int length = (int) embeds.getShape().get(1);
            int past = total - length;
            long[] flatMask = new long[rows * total];
            long[] positions = new long[rows * length];
            for (int r = 0; r < rows; r++) {
                long ones = 0;
                for (int t = 0; t < total; t++) {
                    flatMask[r * total + t] = mask[r][t];
                    ones += mask[r][t];
                    if (t >= past) {
                        // transformers' generate: cumsum(mask) - 1, and 1 where the mask is 0
                        positions[r * length + t - past] = mask[r][t] == 0 ? 1 : ones - 1;
                    }
                }
            }
            NDArray maskArray = scope.create(flatMask, new Shape(rows, total));
            NDArray positionArray = scope.create(positions, new Shape(rows, length));
            NDArray hidden = model.forward(embeds, maskArray, positionArray, cache, useCache ? cached : 0);
            if (useCache) {
                cached = total;
            }
            return logits(hidden.get(":, -1, :"));
        }

        @Override
        public void reorder(long[] order) {
            select(order);
        }

        @Override
        public void retain(long[] keep) {
            select(keep);
        }

        /** Row {@code i} continues as former row {@code order[i]}; the row count becomes {@code order.length}. */
        private void select(long[] order) {
            long[][] moved = new long[order.length][];
            for (int r = 0; r < order.length; r++) {
                moved[r] = mask[(int) order[r]];
            }
            mask = moved;
            if (cache != null) {
                cache.reorder(order);
            } else {
                history.select(order);
            }
            if (cache == null || cached == 0) {
                // the prompt is fed again without a cache (and on the first step with one)
                NDArray index = manager.create(order);
                NDArray p = prompt.get(index);
                p.attach(manager);
                prompt.close();
                index.close();
                prompt = p;
            }
            rows = order.length;
        }

        @Override
        public void close() {
            if (cache != null) {
                cache.close();
            }
            manager.close();
        }
    }
}
