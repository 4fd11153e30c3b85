package dev.mmpeft.models.qformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.QFormerConfig;
import dev.mmpeft.models.nn.Dropouts;
import dev.mmpeft.models.nn.Embedding;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.LayerNorm;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code InstructBlipQFormerEmbeddings}: instruction tokens get word plus absolute
 * position embeddings; the query embeddings are put in front as they are (no position embedding);
 * then {@code layernorm} and dropout over the whole sequence.
 *
 * <p>transformers' {@code position_ids} buffer is not a parameter (positions are 0..len-1);
 * checkpoints that carry it as {@code qformer.embeddings.position_ids} are accepted by the loader.
 */
public final class QFormerEmbeddings extends HfBlock {
    private final int maxPositions;
    private final float dropout;
    private final Embedding wordEmbeddings;
    private final Embedding positionEmbeddings;
    private final LayerNorm layernorm;

    public QFormerEmbeddings(QFormerConfig config) {
        this.maxPositions = config.maxPositionEmbeddings();
        this.dropout = (float) config.hiddenDropoutProb();
        this.wordEmbeddings = child("word_embeddings", new Embedding(config.vocabSize(), config.hiddenSize()));
        this.positionEmbeddings = child("position_embeddings", new Embedding(config.maxPositionEmbeddings(), config.hiddenSize()));
        this.layernorm = child("layernorm", new LayerNorm(config.hiddenSize(), (float) config.layerNormEps()));
    }

    /**
     * @param inputIds instruction token ids {@code [batch, len]}, or null for queries only
     * @param queryEmbeds {@code [batch, queries, hidden]}, or null for text only
     */
    public NDArray forward(@Nullable NDArray inputIds, @Nullable NDArray queryEmbeds) {
        NDArray embeddings;
        if (inputIds != null) {
            long len = inputIds.getShape().get(1);
            if (len > maxPositions) {
                throw new MmpeftException(
                        "qformer_input_ids: " + len + " tokens, but the Q-Former has only " + maxPositions + " positions");
            }
            NDArray ids = inputIds.toType(DataType.INT64, false);
            NDArray positions = ids.getManager().arange(0, (int) len, 1, DataType.INT64).reshape(new Shape(1, len));
            embeddings = wordEmbeddings.forward(ids).add(positionEmbeddings.forward(positions));
            if (queryEmbeds != null) {
                embeddings = queryEmbeds.concat(embeddings, 1);
            }
        } else if (queryEmbeds != null) {
            embeddings = queryEmbeds;
        } else {
            throw new MmpeftException("Q-Former: give qformer_input_ids or query embeddings");
        }
        return Dropouts.apply(layernorm.forward(embeddings), dropout, isTraining());
    }
}
