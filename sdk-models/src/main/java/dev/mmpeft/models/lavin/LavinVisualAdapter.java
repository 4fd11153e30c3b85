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

    /**
     * {@code [..., vision width]} to {@code [..., text width]}. SiLU is {@code h * sigmoid(h)} with
     * engine ops only: DJL's {@code Activation.swish(h, 1f)} multiplies by a scalar made over a
     * Java direct buffer that autograd saves and the garbage collector may free before backward
     * ({@code Scalars}); measured with a GC between forward and backward on the embedded LaVIN:
     * conv_A's gradient norm 1e8 to 1e17 or infinite in 9 of 30 passes (10.2 otherwise), which
     * showed up as "gradient norm is Infinity" at random steps of pre-training and MM-Adapter runs.
     */
    public NDArray forward(NDArray features) {
        NDArray h = convA.forward(features);
        return convB.forward(h.mul(Activation.sigmoid(h)));
    }
}
