package dev.mmpeft.models.qformer;

import dev.mmpeft.core.config.BertConfig;
import dev.mmpeft.core.config.QFormerConfig;
import dev.mmpeft.models.nn.Activations;

/**
 * What the BERT-style layers need to know, whether they make up a Q-Former or a plain BERT: the
 * widths, the activation, the dropouts, which layers cross-attend, and the Hugging Face name of
 * the inner attention module ({@code attention.attention} in InstructBLIP, {@code attention.self}
 * in BERT).
 *
 * @param crossAttentionFrequency layer N cross-attends when N % frequency == 0; 0 for none
 * @param queryFeedForward whether layers have the separate {@code intermediate_query}/{@code output_query} branch
 * @param innerAttentionName the child name of the multi-head attention inside {@code attention}
 */
public record BertLayerSpec(
        int hiddenSize,
        int numAttentionHeads,
        int intermediateSize,
        String hiddenAct,
        float layerNormEps,
        float hiddenDropout,
        float attentionDropout,
        int crossAttentionFrequency,
        int encoderHiddenSize,
        boolean queryFeedForward,
        String innerAttentionName) {

    /** The spec of InstructBLIP's Q-Former layers. */
    public static BertLayerSpec of(QFormerConfig c) {
        return new BertLayerSpec(
                c.hiddenSize(),
                c.numAttentionHeads(),
                c.intermediateSize(),
                check("qformer_config", c.hiddenAct()),
                (float) c.layerNormEps(),
                (float) c.hiddenDropoutProb(),
                (float) c.attentionProbsDropoutProb(),
                c.crossAttentionFrequency(),
                c.encoderHiddenSize(),
                true,
                "attention");
    }

    /** The spec of plain BERT encoder layers (no cross-attention, no query branch). */
    public static BertLayerSpec of(BertConfig c) {
        return new BertLayerSpec(
                c.hiddenSize(),
                c.numAttentionHeads(),
                c.intermediateSize(),
                check("bert config", c.hiddenAct()),
                (float) c.layerNormEps(),
                (float) c.hiddenDropoutProb(),
                (float) c.attentionProbsDropoutProb(),
                0,
                c.hiddenSize(),
                false,
                "self");
    }

    private static String check(String where, String act) {
        Activations.of(where, act);
        return act;
    }

    /** Whether layer {@code index} has cross-attention. */
    public boolean hasCrossAttention(int index) {
        return crossAttentionFrequency > 0 && index % crossAttentionFrequency == 0;
    }
}
