package dev.mmpeft.models.qformer;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.QFormerConfig;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Masks;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code InstructBlipQFormerModel} under its Hugging Face names ({@code embeddings.*},
 * {@code encoder.layer.N.*}): the querying transformer that reads the instruction and, through
 * cross-attention, the image features, and hands its query outputs to the language model.
 */
public final class InstructBlipQFormerModel extends HfBlock {
    private final QFormerConfig config;
    private final QFormerEmbeddings embeddings;
    private final QFormerEncoder encoder;

    public InstructBlipQFormerModel(QFormerConfig config) {
        this.config = config;
        BertLayerSpec spec = BertLayerSpec.of(config);
        this.embeddings = child("embeddings", new QFormerEmbeddings(config));
        this.encoder = child("encoder", new QFormerEncoder(spec, config.numHiddenLayers()));
    }

    public QFormerConfig config() {
        return config;
    }

    public QFormerEncoder encoder() {
        return encoder;
    }

    /**
     * The last hidden state {@code [batch, queries + text, hidden]}.
     *
     * @param inputIds instruction ids {@code [batch, text]} (or null)
     * @param attentionMask 0/1 mask over {@code [queries; text]} ({@code [batch, queries + text]}), or
     *     null for all ones
     * @param queryEmbeds the query tokens expanded to the batch {@code [batch, queries, hidden]}
     * @param imageEmbeds the vision model's output, attended to by the cross-attention layers
     */
    public NDArray forward(
            @Nullable NDArray inputIds, @Nullable NDArray attentionMask, NDArray queryEmbeds, NDArray imageEmbeds) {
        NDArray hidden = embeddings.forward(inputIds, queryEmbeds);
        NDArray mask = attentionMask == null ? null : Masks.padding(attentionMask);
        int queryLength = Math.toIntExact(queryEmbeds.getShape().get(1));
        return encoder.forward(hidden, mask, imageEmbeds, queryLength);
    }
}
