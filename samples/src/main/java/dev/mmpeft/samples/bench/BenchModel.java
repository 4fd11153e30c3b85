package dev.mmpeft.samples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.cache.FeatureCache;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.train.TrainableModel;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * The benchmark's trainable model: an InstructBLIP (a PEFT twin with LoRA, or the base with every
 * tensor trainable) whose batches are synthetic: random pixels, random instruction, prompt and
 * answer token ids, drawn from the engine's RNG (which the trainer seeds per step). An item is
 * just an index; only the batch size matters. With fixed examples (the epoch benchmark) an item
 * is an example: its pixels and ids are a function of (seed, index), the same in every epoch, so
 * the frozen vision encoder's features can be reused.
 */
final class BenchModel implements TrainableModel<Integer> {
    private final InstructBlip net;
    private final Map<String, Parameter> trainable;
    private final int promptTokens;
    private final int answerTokens;
    private final OptionalLong fixedSeed;

    BenchModel(InstructBlip net, Map<String, Parameter> trainable, int promptTokens, int answerTokens) {
        this(net, trainable, promptTokens, answerTokens, OptionalLong.empty());
    }

    /** With {@code fixedSeed}: every item index is one fixed example drawn from (seed, index). */
    BenchModel(InstructBlip net, Map<String, Parameter> trainable, int promptTokens, int answerTokens, OptionalLong fixedSeed) {
        this.net = net;
        this.trainable = trainable;
        this.promptTokens = promptTokens;
        this.answerTokens = answerTokens;
        this.fixedSeed = fixedSeed;
    }

    /** The fixed examples {@code items}: pixels N(0, 1) and ids uniform, from a Java RNG seeded per item. */
    InstructBlipInputs fixedInputs(List<Integer> items, NDManager scope) {
        InstructBlipConfig c = net.config();
        int image = c.visionConfig().imageSize();
        int n = items.size();
        int pixelsPer = 3 * image * image;
        float[] pixels = new float[n * pixelsPer];
        long[] qIds = new long[n * promptTokens];
        long[] ids = new long[n * promptTokens];
        long[] labels = new long[n * answerTokens];
        int qVocab = c.qformerConfig().vocabSize();
        int vocab = c.textConfig().vocabSize();
        for (int i = 0; i < n; i++) {
            Random r = new Random(fixedSeed.getAsLong() * 1_000_003L + items.get(i));
            for (int j = 0; j < pixelsPer; j++) {
                pixels[i * pixelsPer + j] = (float) r.nextGaussian();
            }
            for (int j = 0; j < promptTokens; j++) {
                qIds[i * promptTokens + j] = 1 + r.nextInt(qVocab - 1);
                ids[i * promptTokens + j] = 1 + r.nextInt(vocab - 1);
            }
            for (int j = 0; j < answerTokens; j++) {
                labels[i * answerTokens + j] = 1 + r.nextInt(vocab - 1);
            }
        }
        NDArray q = scope.create(qIds, new Shape(n, promptTokens));
        NDArray in = scope.create(ids, new Shape(n, promptTokens));
        return InstructBlipInputs.builder()
                .pixelValues(scope.create(pixels, new Shape(n, 3, image, image)))
                .qformerInputIds(q)
                .qformerAttentionMask(q.onesLike())
                .inputIds(in)
                .attentionMask(in.onesLike())
                .labels(scope.create(labels, new Shape(n, answerTokens)))
                .build();
    }

    /** Synthetic inputs for {@code batch} examples, in {@code scope}. */
    InstructBlipInputs inputs(int batch, NDManager scope) {
        InstructBlipConfig c = net.config();
        int image = c.visionConfig().imageSize();
        NDArray pixels = scope.randomNormal(new Shape(batch, 3, image, image));
        NDArray qIds = scope.randomInteger(1, c.qformerConfig().vocabSize(), new Shape(batch, promptTokens), DataType.INT64);
        int vocab = c.textConfig().vocabSize();
        NDArray ids = scope.randomInteger(1, vocab, new Shape(batch, promptTokens), DataType.INT64);
        NDArray labels = scope.randomInteger(1, vocab, new Shape(batch, answerTokens), DataType.INT64);
        return InstructBlipInputs.builder()
                .pixelValues(pixels)
                .qformerInputIds(qIds)
                .qformerAttentionMask(qIds.onesLike())
                .inputIds(ids)
                .attentionMask(ids.onesLike())
                .labels(labels)
                .build();
    }

    /** The loss of a synthetic batch of {@code batch} examples. */
    NDArray loss(int batch, NDManager scope) {
        return net.forward(inputs(batch, scope)).loss().orElseThrow();
    }

    @Override
    public Map<String, Parameter> trainableParameters() {
        return trainable;
    }

    @Override
    public NDArray loss(List<Integer> batch, NDManager scope) {
        if (fixedSeed.isPresent()) {
            return net.forward(fixedInputs(batch, scope)).loss().orElseThrow();
        }
        return loss(batch.size(), scope);
    }

    /** The vision features of fixed examples can be reused; the synthetic ones never repeat. */
    @Override
    public void reuseFrozenFeatures(@Nullable FeatureCache cache) {
        net.reuseFrozenFeatures(fixedSeed.isPresent() ? cache : null);
    }

    @Override
    public void setTraining(boolean training) {
        net.setTraining(training);
    }

    @Override
    public void saveTrainable(Path directory) {
        throw new UnsupportedOperationException("the benchmark saves nothing");
    }
}
