package dev.mmpeft.models.t5;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.models.nn.Activations;
import dev.mmpeft.models.nn.Dropouts;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * T5's feed-forward, under the name transformers gives it ({@code DenseReluDense}) whatever the
 * activation: {@code T5DenseActDense} ({@code wi}, {@code wo}) or, for {@code gated-*}
 * projections (T5 v1.1, Flan-T5), {@code T5DenseGatedActDense}
 * ({@code wo(act(wi_0 x) * wi_1 x)}).
 */
public final class T5DenseReluDense extends HfBlock {
    private final boolean gated;
    private final float dropout;
    private final UnaryOperator<NDArray> act;
    private final @Nullable Linear wi;
    private final @Nullable Linear wi0;
    private final @Nullable Linear wi1;
    private final Linear wo;

    T5DenseReluDense(T5Config config) {
        this.gated = config.isGatedAct();
        this.dropout = (float) config.dropoutRate();
        this.act = Activations.of(config.denseActFn());
        if (gated) {
            this.wi = null;
            this.wi0 = child("wi_0", new Linear(config.dModel(), config.dFf(), false));
            this.wi1 = child("wi_1", new Linear(config.dModel(), config.dFf(), false));
        } else {
            this.wi = child("wi", new Linear(config.dModel(), config.dFf(), false));
            this.wi0 = null;
            this.wi1 = null;
        }
        this.wo = child("wo", new Linear(config.dFf(), config.dModel(), false));
    }

    public boolean isGated() {
        return gated;
    }

    NDArray forward(NDArray x) {
        NDArray h;
        if (gated) {
            h = act.apply(wi0.forward(x)).mul(wi1.forward(x));
        } else {
            h = act.apply(wi.forward(x));
        }
        return wo.forward(Dropouts.apply(h, dropout, isTraining()));
    }
}
