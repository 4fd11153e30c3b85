package dev.mmpeft.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.BertConfig;
import dev.mmpeft.models.nn.Dropouts;
import dev.mmpeft.models.nn.Embedding;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.LayerNorm;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code BertEmbeddings} with absolute positions: word + position + token type
 * embeddings, {@code LayerNorm}, dropout.
 */
public final class BertEmbeddings extends HfBlock {
    private final int maxPositions;
    private final float dropout;
    private final Embedding wordEmbeddings;
    private final Embedding positionEmbeddings;
    private final Embedding tokenTypeEmbeddings;
    private final LayerNorm layerNorm;

    public BertEmbeddings(BertConfig config) {
        if (!"absolute".equals(config.positionEmbeddingType())) {
            throw new MmpeftException(
                    "bert config: position_embedding_type '" + config.positionEmbeddingType() + "' is not supported; expected absolute");
        }
        this.maxPositions = config.maxPositionEmbeddings();
        this.dropout = (float) config.hiddenDropoutProb();
        this.wordEmbeddings = child("word_embeddings", new Embedding(config.vocabSize(), config.hiddenSize()));
        this.positionEmbeddings = child("position_embeddings", new Embedding(config.maxPositionEmbeddings(), config.hiddenSize()));
        this.tokenTypeEmbeddings = child("token_type_embeddings", new Embedding(config.typeVocabSize(), config.hiddenSize()));
        this.layerNorm = child("LayerNorm", new LayerNorm(config.hiddenSize(), (float) config.layerNormEps()));
    }

    /** {@code input_ids [batch, len]} and optional {@code token_type_ids} (zeros when null). */
    public NDArray forward(NDArray inputIds, @Nullable NDArray tokenTypeIds) {
        long len = inputIds.getShape().get(1);
        if (len > maxPositions) {
            throw new MmpeftException("input_ids: " + len + " tokens, but the model has only " + maxPositions + " positions");
        }
        NDArray ids = inputIds.toType(DataType.INT64, false);
        NDArray positions = ids.getManager().arange(0, (int) len, 1, DataType.INT64).reshape(new Shape(1, len));
        NDArray types = tokenTypeIds == null ? ids.zerosLike() : tokenTypeIds.toType(DataType.INT64, false);
        NDArray e = wordEmbeddings.forward(ids).add(tokenTypeEmbeddings.forward(types)).add(positionEmbeddings.forward(positions));
        return Dropouts.apply(layerNorm.forward(e), dropout, isTraining());
    }
}
