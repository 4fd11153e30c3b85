package dev.mmpeft.samples.bench;

import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.QFormerConfig;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.core.config.VisionConfig;

/**
 * Matmul FLOPs (2 per multiply-add) of one InstructBLIP-T5 forward pass, counted from the config:
 * every linear layer on the tokens it sees, attention scores and weighted sums, the patch
 * convolution and the LM head. Element-wise work (norms, softmax, GELU) is not counted: it is a
 * few percent and not what a matmul rate measures.
 */
public final class BenchFlops {
    private BenchFlops() {}

    /** Forward FLOPs of the vision encoder for {@code batch} images. */
    public static double vision(VisionConfig v, int batch) {
        double d = v.hiddenSize();
        double tokens = v.numPatches() + 1.0;
        double patch = 2.0 * v.numPatches() * (3.0 * v.patchSize() * v.patchSize()) * d;
        double layer = 2.0 * tokens * (4 * d * d + 2 * d * v.intermediateSize()) + 2.0 * 2.0 * tokens * tokens * d;
        return batch * (patch + v.numHiddenLayers() * layer);
    }

    /** Forward FLOPs of the Q-Former (queries + instruction tokens) and the language projection. */
    public static double qformer(InstructBlipConfig c, int batch, int instructionTokens) {
        QFormerConfig q = c.qformerConfig();
        double d = q.hiddenSize();
        double nq = c.numQueryTokens();
        double all = nq + instructionTokens;
        double image = c.visionConfig().numPatches() + 1.0;
        double enc = q.encoderHiddenSize();
        double total = 0;
        for (int layer = 0; layer < q.numHiddenLayers(); layer++) {
            double self = 2.0 * all * 4 * d * d + 2.0 * 2.0 * all * all * d;
            double cross = layer % q.crossAttentionFrequency() == 0
                    ? 2.0 * nq * 2 * d * d + 2.0 * image * 2 * enc * d + 2.0 * 2.0 * nq * image * d
                    : 0;
            double ffn = 2.0 * all * 2 * d * q.intermediateSize();
            total += self + cross + ffn;
        }
        double projection = 2.0 * nq * d * c.textConfig().hiddenSize();
        return batch * (total + projection);
    }

    /** Forward FLOPs of the T5 language model: encoder over queries + prompt, decoder over the answer, LM head. */
    public static double t5(InstructBlipConfig c, int batch, int promptTokens, int answerTokens) {
        T5Config t = (T5Config) c.textConfig();
        double d = t.dModel();
        double inner = (double) t.numHeads() * t.dKv();
        double ffn = 2.0 * (t.isGatedAct() ? 3 : 2) * d * t.dFf();
        double enc = c.numQueryTokens() + promptTokens;
        double dec = answerTokens;
        double encoderLayer = enc * (2.0 * 4 * d * inner + ffn) + 2.0 * 2.0 * enc * enc * inner;
        double decoderLayer = dec * (2.0 * 4 * d * inner + ffn) + 2.0 * 2.0 * dec * dec * inner
                + dec * 2.0 * 2 * d * inner + enc * 2.0 * 2 * d * inner + 2.0 * 2.0 * dec * enc * inner;
        double head = 2.0 * dec * d * t.vocabSize();
        return batch * (t.numLayers() * encoderLayer + t.numDecoderLayers() * decoderLayer + head);
    }

    /** Forward FLOPs of the whole model. */
    public static double forward(InstructBlipConfig c, int batch, int promptTokens, int answerTokens) {
        return vision(c.visionConfig(), batch) + qformer(c, batch, promptTokens) + t5(c, batch, promptTokens, answerTokens);
    }

    /**
     * Forward plus backward FLOPs. A backward pass costs about two forwards where weights train
     * (input and weight gradients) and one where only inputs need gradients (frozen layers between
     * trainable ones and the loss); a frozen part that nothing trainable precedes (the vision
     * encoder under LoRA) needs no backward at all.
     */
    public static double forwardBackward(InstructBlipConfig c, int batch, int promptTokens, int answerTokens, boolean full) {
        return forwardBackward(c, batch, promptTokens, answerTokens, full, true);
    }

    /**
     * Forward plus backward FLOPs of a PEFT method that trains small tensors in the language model and,
     * when {@code qformerTrains}, in the Q-Former too (LoRA's benchmark targets); a method on the
     * language model alone (IA3, adapters, prefixes on its defaults) needs no backward through the Q-Former.
     */
    public static double forwardBackward(InstructBlipConfig c, int batch, int promptTokens, int answerTokens, boolean full,
            boolean qformerTrains) {
        double v = vision(c.visionConfig(), batch);
        double q = qformer(c, batch, promptTokens);
        double l = t5(c, batch, promptTokens, answerTokens);
        if (full) {
            return 3 * (v + q + l);
        }
        // input gradients through every part after the first trained one, tiny adapter weight gradients
        return qformerTrains ? v + 2 * (q + l) : v + q + 2 * l;
    }
}
