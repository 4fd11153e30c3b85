package dev.mmpeft.peft.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.Scalars;
import dev.mmpeft.peft.spi.AdapterBlock;
import org.jspecify.annotations.Nullable;

/**
 * DoRA's arithmetic on one linear layer, as PEFT's {@code DoraLinearLayer} and
 * {@code DoraLinearVariant} compute it (the LoRA matrices themselves live in {@link LoraLayer}).
 *
 * <p>With {@code V = W + scaling B A} and the magnitude {@code m} (one value per output feature),
 * the layer computes {@code (m / ||V||) (W x + scaling B A x) + b}, where {@code ||V||} is the L2
 * norm of each row of {@code V} ("column-wise" in the paper's {@code [in, out]} notation) taken
 * without gradient, as the DoRA paper's section 4.3 and PEFT do. Merging folds it into
 * {@code (m / ||V||) V}; the bias is not rescaled.
 */
final class Dora {
    private Dora() {}

    /**
     * PEFT's {@code DoraLinearLayer}: the magnitude vector {@code weight [out]}, so in-memory names are
     * PEFT's ({@code <module>.lora_magnitude_vector.<adapter>.weight}).
     */
    static final class Magnitude extends HfBlock implements AdapterBlock {
        Magnitude(int outFeatures) {
            declareParameter("weight", Parameter.Type.WEIGHT, new Shape(outFeatures));
        }

        NDArray vector() {
            return array("weight");
        }
    }

    /**
     * {@code ||W + scaling B A||} per output row, detached from autograd, owned by {@code into}.
     * Every intermediate lives in a scratch manager, since operations on parameters would otherwise
     * land in (and stay in) the parameters' own managers.
     */
    static NDArray weightNorm(NDArray weight, NDArray loraA, NDArray loraB, double scaling, NDManager into) {
        try (NDManager scratch = into.newSubManager()) {
            NDArray a = loraA.stopGradient();
            a.attach(scratch);
            NDArray b = loraB.stopGradient();
            b.attach(scratch);
            NDArray delta = b.matMul(a).muli((float) scaling);
            NDArray norm = delta.addi(weight).norm(new int[] {1});
            norm.attach(into);
            return norm;
        }
    }

    /**
     * The layer's output with a DoRA adapter: {@code result} plus PEFT's
     * {@code (m / ||V|| - 1) * base + (m / ||V||) * lora(x) * scaling}. Without dropout (or in
     * evaluation) {@code base} is {@code result} minus the layer's bias and {@code lora} reads
     * {@code x}; with dropout in training both read the dropped-out input and {@code base} is
     * {@code W dropout(x)}, as PEFT's {@code DoraLinearVariant.forward} does.
     *
     * @param result the layer's output so far (the base output plus earlier adapters')
     */
    static NDArray forward(NDArray x, NDArray result, Linear base, Linear a, Linear b, Magnitude magnitude,
            double scaling, double dropout, boolean training) {
        NDManager scope = x.getManager();
        NDArray norm = weightNorm(base.weight().getArray(), a.weight().getArray(), b.weight().getArray(), scaling, scope);
        // the magnitude is the first operand, so the quotient lands in the adapter's manager: move it to the batch's
        NDArray scale = magnitude.vector().div(norm);
        scale.attach(scope);
        NDArray baseResult;
        NDArray lora;
        if (dropout > 0 && training) {
            NDArray dropped = Dropout.dropout(x, (float) dropout, true).singletonOrThrow();
            baseResult = ai.djl.nn.core.Linear.linear(dropped, base.weight().getArray()).singletonOrThrow();
            lora = b.forward(a.forward(dropped));
        } else {
            Parameter bias = base.bias();
            baseResult = bias == null ? result : result.sub(bias.getArray());
            lora = b.forward(a.forward(x));
        }
        NDArray dora = scale.sub(Scalars.of(scale, 1f)).mul(baseResult)
                .add(scale.mul(lora).mul(Scalars.of(lora, (float) scaling)));
        return result.add(dora);
    }

    /**
     * PEFT's DoRA merge of one adapter into {@code weight}: {@code (m / ||weight + delta||) (weight + delta)}
     * with {@code delta = scaling B A}, a new array in the adapter's manager.
     *
     * @param previous a merged array of earlier adapters that may be freed, or null
     */
    static NDArray merge(NDArray weight, @Nullable NDArray previous, Linear a, Linear b, Magnitude magnitude, double scaling) {
        NDArray v = b.weight().getArray().matMul(a.weight().getArray()).muli((float) scaling).addi(weight);
        if (previous != null) {
            previous.close();
        }
        NDArray norm = v.norm(new int[] {1});
        NDArray factor = magnitude.vector().div(norm).reshape(-1, 1);
        NDArray merged = v.muli(factor);
        norm.close();
        factor.close();
        return merged;
    }
}
