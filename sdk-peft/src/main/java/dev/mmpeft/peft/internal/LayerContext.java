package dev.mmpeft.peft.internal;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.spi.AdapterLayer;
import dev.mmpeft.peft.spi.AttachContext;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@link AttachContext} an {@link AdapterSet} gives a method while one adapter attaches: the
 * twin's modules, the adapter's manager and seed, and the set's shared layers, recording which
 * layers the adapter takes part in (what routing rows needs to know of it).
 */
final class LayerContext implements AttachContext {
    /** How the set finds or creates the shared layer of a type on a module. */
    interface Layers {
        <L extends AdapterLayer> L layerFor(String module, Class<L> type, Function<HfBlock, L> create);
    }

    private final String adapter;
    private final long seed;
    private final NDManager arrays;
    private final HfBlock root;
    private final Layers layers;
    private final Set<String> layerKeys;

    LayerContext(String adapter, long seed, NDManager arrays, HfBlock root, Layers layers, Set<String> layerKeys) {
        this.adapter = adapter;
        this.seed = seed;
        this.arrays = arrays;
        this.root = root;
        this.layers = layers;
        this.layerKeys = layerKeys;
    }

    /** The key a set files a layer under. */
    static String key(String module, Class<?> type) {
        return module + "#" + type.getName();
    }

    @Override
    public String adapter() {
        return adapter;
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public NDManager manager() {
        return arrays;
    }

    @Override
    public HfBlock module(String name) {
        return root.module(name).orElseThrow(() -> new PeftException("the model has no module '" + name + "'"));
    }

    @Override
    public <L extends AdapterLayer> L layer(String module, Class<L> type, Function<HfBlock, L> create) {
        layerKeys.add(key(module, type));
        return layers.layerFor(module, type, create);
    }
}
