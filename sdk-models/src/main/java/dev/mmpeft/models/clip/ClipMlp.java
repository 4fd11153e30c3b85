package dev.mmpeft.models.clip;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.ClipVisionConfig;
import dev.mmpeft.models.nn.Activations;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.SublayerBlock;
import java.util.function.UnaryOperator;

/** transformers' {@code CLIPMLP}: {@code fc2(act(fc1(x)))}, the activation named by {@code hidden_act} (CLIP: quick-GELU). */
public final class ClipMlp extends SublayerBlock {
    private final UnaryOperator<NDArray> act;
    private final Linear fc1;
    private final Linear fc2;

    public ClipMlp(ClipVisionConfig config) {
        super(Kind.FEED_FORWARD, config.hiddenSize());
        try {
            this.act = Activations.of(config.hiddenAct());
        } catch (MmpeftException e) {
            throw new MmpeftException("vision_config.hidden_act: " + e.getMessage(), e);
        }
        this.fc1 = child("fc1", new Linear(config.hiddenSize(), config.intermediateSize(), true));
        this.fc2 = child("fc2", new Linear(config.intermediateSize(), config.hiddenSize(), true));
    }

    public NDArray forward(NDArray x) {
        return fc2.forward(act.apply(fc1.forward(x)));
    }
}
