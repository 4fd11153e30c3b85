package dev.mmpeft.peft.dma;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.models.nn.Scalars;

/**
 * The score-based information bottleneck of PETAL: {@code -(I(Z;Y) - eta I(Z;X))} with each mutual
 * information estimated from scores, the products of normalised features, as the InfoNCE bound
 * {@code I(A;B) >= log n - CE(s * a_i . b_j, j = i)} over a batch of n.
 *
 * <p>Z is the representation the language model receives (the projected query outputs, averaged
 * over the queries), Y the target (the average embedding of its tokens), X the instruction the
 * model reads (the average embedding of the prompt tokens); the features all live in the language
 * model's embedding space, so no projection has to be learned to compare them. See the package
 * documentation for how this differs from PETAL's research code (CLUB and MINE estimators).
 */
final class Sib {
    private Sib() {}

    /** The loss for batch features {@code z, y, x} {@code [n, d]} and the score scale {@code logScale} {@code [1]}. */
    static NDArray loss(NDArray z, NDArray y, NDArray x, NDArray logScale, double eta) {
        long n = z.getShape().get(0);
        NDArray zn = normalize(z);
        // CLIP's learned temperature, capped at 100 as CLIP caps it
        NDArray scale = z.getManager().zeros(logScale.getShape(), z.getDataType()).add(logScale).exp();
        scale = scale.minimum(Scalars.of(scale, 100f));
        NDArray ceY = infoNceCrossEntropy(zn, normalize(y), scale);
        NDArray ceX = infoNceCrossEntropy(zn, normalize(x), scale);
        NDArray logN = Scalars.of(ceY, (float) Math.log(n));
        NDArray iZy = logN.sub(ceY);
        NDArray iZx = logN.sub(ceX);
        return iZx.mul(Scalars.of(iZx, (float) eta)).sub(iZy).reshape(new Shape());
    }

    /** Mean over i of {@code logsumexp_j s a_i.b_j - s a_i.b_i}. */
    private static NDArray infoNceCrossEntropy(NDArray a, NDArray b, NDArray scale) {
        NDArray scores = a.matMul(b.transpose()).mul(scale);
        NDArray logProbs = scores.logSoftmax(1);
        long n = a.getShape().get(0);
        NDArray eye = a.getManager().eye((int) n).toType(a.getDataType(), false);
        return logProbs.mul(eye).sum().neg().div(Scalars.of(logProbs, n));
    }

    /** Rows scaled to unit L2 norm (eps 1e-6 against zero rows). */
    static NDArray normalize(NDArray v) {
        NDArray norm = v.square().sum(new int[] {1}, true).sqrt();
        norm = norm.maximum(Scalars.of(norm, 1e-6f));
        return v.div(norm);
    }

    /** The mean of {@code features} {@code [n, len, d]} over the positions where {@code mask} {@code [n, len]} is 1. */
    static NDArray maskedMean(NDArray features, NDArray mask) {
        NDArray m = mask.toType(features.getDataType(), false).expandDims(2);
        NDArray sum = features.mul(m).sum(new int[] {1});
        NDArray count = m.sum(new int[] {1});
        count = count.maximum(Scalars.of(count, 1f));
        return sum.div(count);
    }
}
