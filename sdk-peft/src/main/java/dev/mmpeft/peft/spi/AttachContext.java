package dev.mmpeft.peft.spi;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.models.nn.HfBlock;
import java.util.function.Function;

/** What {@link PeftMethod#attach} may use: the adapted model's modules, its layers, a manager and a seed. */
public interface AttachContext {
    /** The adapter's name. */
    String adapter();

    /** The seed of the adapter's initial values. */
    long seed();

    /** The manager that owns the adapter's arrays. */
    NDManager manager();

    /** A module of the adapted model by its Hugging Face name. */
    HfBlock module(String name);

    /**
     * The layer of type {@code type} on {@code module}, created (and attached) by {@code create} the
     * first time; later adapters of the same method on the same module share it.
     *
     * @throws dev.mmpeft.peft.PeftException when another method's layer on the module does not
     *     combine with this one
     */
    <L extends AdapterLayer> L layer(String module, Class<L> type, Function<HfBlock, L> create);
}
