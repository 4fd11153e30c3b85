package dev.mmpeft.peft.spi;

/**
 * A layer on a {@code Linear} whose adapters each compute alone, through the linear layer's named
 * hooks (LoRA, DoRA, IA3). Two such layers of different methods may share a module: an adapter set
 * activates one adapter at a time (or one per batch row), so at most one of them computes for any
 * row. Why: a service holds independently trained adapters, and a LoRA on {@code q, v} and an IA3
 * on {@code k, v, wo} must both be loadable over one base model.
 */
public interface LinearAdapterLayer extends AdapterLayer {
    @Override
    default boolean combinesWith(Class<? extends AdapterLayer> other) {
        return LinearAdapterLayer.class.isAssignableFrom(other);
    }
}
