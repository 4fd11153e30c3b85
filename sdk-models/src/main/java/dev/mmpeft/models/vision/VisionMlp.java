package dev.mmpeft.models.vision;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.VisionConfig;
import dev.mmpeft.models.nn.Activations;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;

/** transformers' {@code InstructBlipMLP}: {@code fc2(act(fc1(x)))} with the config's {@code hidden_act}. */
public final class VisionMlp extends HfBlock {
    private final java.util.function.UnaryOperator<NDArray> act;
    private final Linear fc1;
    private final Linear fc2;

    public VisionMlp(VisionConfig config) {
        this.act = Activations.of("vision_config", config.hiddenAct());
        this.fc1 = child("fc1", new Linear(config.hiddenSize(), config.intermediateSize(), true));
        this.fc2 = child("fc2", new Linear(config.intermediateSize(), config.hiddenSize(), true));
    }

    public NDArray forward(NDArray x) {
        return fc2.forward(act.apply(fc1.forward(x)));
    }
}
