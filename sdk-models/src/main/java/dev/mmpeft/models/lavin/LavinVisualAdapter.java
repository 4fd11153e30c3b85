package dev.mmpeft.models.lavin;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.mmpeft.core.config.LavinConfig;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;

/**
 * LaVIN's visual adapter ("neck", released code's {@code AdapterMLP} under {@code adapter_proj}):
 * {@code conv_B(silu(conv_A(x)))}, CLIP width -> {@code hidden_proj} -> the LLM's width, both
 * linear layers with bias. It is the family's connector ({@code LANGUAGE_PROJECTION}).
 */
public final class LavinVisualAdapter extends HfBlock {
    private final Linear convA;
    private final Linear convB;

    LavinVisualAdapter(LavinConfig config) {
        this.convA = child("conv_A", new Linear(config.visionConfig().hiddenSize(), config.hiddenProj(), true));
        this.convB = child("conv_B", new Linear(config.hiddenProj(), config.textConfig().hiddenSize(), true));
    }

    public Linear convA() {
        return convA;
    }

    public Linear convB() {
        return convB;
    }

    /** {@code [..., vision width]} to {@code [..., text width]}. */
    public NDArray forward(NDArray features) {
        return convB.forward(Activation.swish(convA.forward(features), 1f));
    }
}
