package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A residual sub-layer of a transformer layer (self-attention, cross-attention or feed-forward)
 * whose output joins the residual stream through {@link #residual}: {@code x + f} in pre-norm
 * models (T5, LLaMA), {@code norm(f + x)} in post-norm ones (BERT, the Q-Former), unless a
 * {@link ResidualAdapter} is attached and active, which then computes that step itself.
 *
 * <p>Why a block type: a PEFT method that adapts "the layers after attention and after the
 * feed-forward" (bottleneck adapters) finds these blocks by type and kind, in every model family,
 * without knowing each family's forward code.
 */
public abstract class SublayerBlock extends HfBlock {
    /** What the sub-layer computes. */
    public enum Kind {
        SELF_ATTENTION,
        CROSS_ATTENTION,
        FEED_FORWARD
    }

    private final Kind kind;
    private final int width;
    private final Hooks<ResidualAdapter> hooks = new Hooks<>(ResidualAdapter::isActive);
    private final Hooks<InputAdapter> inputHooks = new Hooks<>(InputAdapter::isActive);

    /**
     * @param width the width of the residual stream ({@code d_model}, {@code hidden_size})
     */
    protected SublayerBlock(Kind kind, int width) {
        this.kind = kind;
        this.width = width;
    }

    /** What the sub-layer computes. */
    public final Kind sublayerKind() {
        return kind;
    }

    /** The width of the residual stream the sub-layer writes to. */
    public final int width() {
        return width;
    }

    /**
     * Attaches an adapter under {@code name}; one that is an {@link HfBlock} also becomes a child,
     * so its parameters are named {@code <sub-layer>.<name>...}.
     */
    public final void attachResidualAdapter(String name, ResidualAdapter adapter) {
        hooks.attach(name, adapter, this::child);
    }

    /** Detaches an adapter; returns whether one was attached under that name. */
    public final boolean detachResidualAdapter(String name) {
        return hooks.detach(name, this::removeChild);
    }

    /** The attached adapters by name, in order. */
    public final Map<String, ResidualAdapter> residualAdapters() {
        return hooks.byName();
    }

    /**
     * Attaches an adapter of the sub-layer's normalised input under {@code name} (a name distinct
     * from the residual adapters'); one that is an {@link HfBlock} also becomes a child.
     */
    public final void attachInputAdapter(String name, InputAdapter adapter) {
        inputHooks.attach(name, adapter, this::child);
    }

    /** Detaches an input adapter; returns whether one was attached under that name. */
    public final boolean detachInputAdapter(String name) {
        return inputHooks.detach(name, this::removeChild);
    }

    /** The attached input adapters by name, in order. */
    public final Map<String, InputAdapter> inputAdapters() {
        return inputHooks.byName();
    }

    /**
     * The input the sub-layer computes with: {@code normalized} itself (the very array) unless an
     * input adapter is attached and active.
     *
     * @param isolatedLeading leading positions of {@code normalized} that are isolated tokens in
     *     this pass (see {@link InputAdapter#adapt})
     * @throws IllegalStateException when more than one attached input adapter is active
     */
    public final NDArray adaptInput(NDArray normalized, int isolatedLeading) {
        InputAdapter active = inputHooks.active();
        return active == null ? normalized : active.adapt(normalized, isolatedLeading);
    }

    /**
     * Joins the sub-layer's output to the residual stream: {@code input + output}, or
     * {@code norm(output + input)} for a post-norm block, or what the active adapter computes.
     *
     * @param norm the post-norm of a BERT-style block, null for a pre-norm block
     * @throws IllegalStateException when more than one attached adapter is active (their order
     *     around one residual sum is not defined)
     */
    public final NDArray residual(NDArray output, NDArray input, @Nullable UnaryOperator<NDArray> norm) {
        ResidualAdapter active = hooks.active();
        if (active != null) {
            return active.apply(output, input, norm);
        }
        return norm == null ? input.add(output) : norm.apply(output.add(input));
    }
}
