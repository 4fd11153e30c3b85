package dev.mmpeft.models.bert;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.BertConfig;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Masks;
import dev.mmpeft.models.qformer.BertLayerSpec;
import dev.mmpeft.models.qformer.QFormerEncoder;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code BertModel} without its pooler ({@code embeddings.*},
 * {@code encoder.layer.N.attention.self.*}, ...), assembled from the very layer classes the
 * Q-Former is made of. It exists to prove those layers against real BERT checkpoints: a Q-Former
 * layer is a BERT layer plus cross-attention and a query branch.
 */
public final class BertModel extends HfBlock {
    private final BertConfig config;
    private final BertEmbeddings embeddings;
    private final QFormerEncoder encoder;

    public BertModel(BertConfig config) {
        this.config = config;
        this.embeddings = child("embeddings", new BertEmbeddings(config));
        this.encoder = child("encoder", new QFormerEncoder(BertLayerSpec.of(config), config.numHiddenLayers()));
    }

    public BertConfig config() {
        return config;
    }

    /**
     * The last hidden state {@code [batch, len, hidden]}.
     *
     * @param attentionMask 0/1 {@code [batch, len]}, or null for all ones
     * @param tokenTypeIds segment ids, or null for zeros
     */
    public NDArray forward(NDArray inputIds, @Nullable NDArray attentionMask, @Nullable NDArray tokenTypeIds) {
        NDArray hidden = embeddings.forward(inputIds, tokenTypeIds);
        NDArray mask = attentionMask == null ? null : Masks.padding(attentionMask);
        return encoder.forward(hidden, mask, null, 0);
    }
}
