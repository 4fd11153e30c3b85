package dev.mmpeft.samples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.train.TrainableModel;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's trainable model: an InstructBLIP (a PEFT twin with LoRA, or the base with every
 * tensor trainable) whose batches are synthetic: random pixels, random instruction, prompt and
 * answer token ids, drawn from the engine's RNG (which the trainer seeds per step). An item is
 * just an index; only the batch size matters.
 */
final class BenchModel implements TrainableModel<Integer> {
    private final InstructBlip net;
    private final Map<String, Parameter> trainable;
    private final int promptTokens;
    private final int answerTokens;

    BenchModel(InstructBlip net, Map<String, Parameter> trainable, int promptTokens, int answerTokens) {
        this.net = net;
        this.trainable = trainable;
        this.promptTokens = promptTokens;
        this.answerTokens = answerTokens;
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
        return loss(batch.size(), scope);
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
