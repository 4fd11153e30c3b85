package dev.mmpeft.models.vision;

import dev.mmpeft.models.nn.Scopes;
import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.VisionConfig;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.HfBlockList;

/** transformers' {@code InstructBlipEncoder}: the stack {@code layers.N} of encoder layers. */
public final class VisionEncoder extends HfBlock {
    private final HfBlockList<VisionEncoderLayer> layers;

    public VisionEncoder(VisionConfig config) {
        this.layers = child("layers", new HfBlockList<>(config.numHiddenLayers(), i -> new VisionEncoderLayer(config)));
    }

    public HfBlockList<VisionEncoderLayer> layers() {
        return layers;
    }

    public NDArray forward(NDArray x) {
        NDArray h = x;
        for (VisionEncoderLayer layer : layers.items()) {
            h = Scopes.perLayer(h, layer, layer::forward);
        }
        return h;
    }
}
