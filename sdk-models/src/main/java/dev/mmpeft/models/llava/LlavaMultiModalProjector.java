package dev.mmpeft.models.llava;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.LlavaConfig;
import dev.mmpeft.models.nn.Activations;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import java.util.function.UnaryOperator;

/**
 * transformers' {@code LlavaMultiModalProjector}, the connector: {@code linear_2(act(linear_1(x)))}
 * from the vision width (times the number of feature layers) to the language model's width, the
 * activation named by {@code projector_hidden_act}, biases per {@code multimodal_projector_bias}.
 */
public final class LlavaMultiModalProjector extends HfBlock {
    private final UnaryOperator<NDArray> act;
    private final Linear linear1;
    private final Linear linear2;

    public LlavaMultiModalProjector(LlavaConfig config) {
        try {
            this.act = Activations.of(config.projectorHiddenAct());
        } catch (MmpeftException e) {
            throw new MmpeftException("projector_hidden_act: " + e.getMessage(), e);
        }
        int in = config.visionConfig().hiddenSize() * config.visionFeatureLayers().size();
        int out = config.textConfig().hiddenSize();
        boolean bias = config.multimodalProjectorBias();
        this.linear1 = child("linear_1", new Linear(in, out, bias));
        this.linear2 = child("linear_2", new Linear(out, out, bias));
    }

    public Linear linear1() {
        return linear1;
    }

    public Linear linear2() {
        return linear2;
    }

    /** {@code [..., vision hidden * feature layers]} to {@code [..., text hidden]}. */
    public NDArray forward(NDArray features) {
        return linear2.forward(act.apply(linear1.forward(features)));
    }
}
