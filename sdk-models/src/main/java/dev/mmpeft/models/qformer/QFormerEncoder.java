package dev.mmpeft.models.qformer;

import dev.mmpeft.models.nn.Scopes;
import ai.djl.ndarray.NDArray;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.HfBlockList;
import dev.mmpeft.models.nn.Hooks;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The stack {@code layer.N} of BERT-style layers (transformers' {@code InstructBlipQFormerEncoder}, {@code BertEncoder}). */
public final class QFormerEncoder extends HfBlock {
    private final HfBlockList<QFormerLayer> layer;
    private final Hooks<QFormerLayerAdapter> layerAdapters = new Hooks<>(QFormerLayerAdapter::isActive);

    public QFormerEncoder(BertLayerSpec spec, int numLayers) {
        this.layer = child("layer", new HfBlockList<>(numLayers, i -> new QFormerLayer(spec, i)));
    }

    public HfBlockList<QFormerLayer> layers() {
        return layer;
    }

    /**
     * Attaches a layer adapter under {@code name}; one that is an {@link HfBlock} also becomes a
     * child, so its parameters are named {@code encoder.<name>...}.
     */
    public void attachLayerAdapter(String name, QFormerLayerAdapter adapter) {
        layerAdapters.attach(name, adapter, this::child);
    }

    /** Detaches a layer adapter; returns whether one was attached under that name. */
    public boolean detachLayerAdapter(String name) {
        return layerAdapters.detach(name, this::removeChild);
    }

    /** The attached layer adapters by name, in order. */
    public Map<String, QFormerLayerAdapter> layerAdapters() {
        return layerAdapters.byName();
    }

    public NDArray forward(NDArray hidden, @Nullable NDArray mask, @Nullable NDArray encoderHidden, int queryLength) {
        QFormerLayerAdapter adapter = layerAdapters.active();
        NDArray h = hidden;
        int index = 0;
        for (QFormerLayer l : layer.items()) {
            int i = index++;
            h = Scopes.perLayer(h, l, x -> l.forward(x, mask, encoderHidden, queryLength, adapter, i));
        }
        return h;
    }
}
