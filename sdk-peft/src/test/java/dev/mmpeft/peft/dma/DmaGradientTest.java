package dev.mmpeft.peft.dma;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Autograd gradients of DMA's update, the AIM gate's mixture and the SIB loss against central
 * finite differences, in float64 on tiny shapes (rank 3, width 5, batch 3), for every input that
 * trains: relative error (L2 over the whole gradient) below 1e-3. The functions are the ones the
 * layers call.
 */
class DmaGradientTest {
    private static final double EPS = 1e-6;

    @Test
    void dmaUpdate() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = random(m, new Shape(2, 4, 5), 1);
            NDArray u = random(m, new Shape(3, 5), 2);
            NDArray v = random(m, new Shape(6, 3), 3); // non-zero, so every factor gets a gradient
            NDArray c = random(m, new Shape(3, 3, 3), 4);
            NDArray lambda = random(m, new Shape(3), 5);
            NDArray probe = random(m, new Shape(2, 4, 6), 6);
            List<NDArray> inputs = List.of(u, v, c, lambda, x);
            check("DMA", inputs, in -> DmaLinearLayer.update(in.get(4), in.get(0), in.get(1), in.get(2), in.get(3), 0f, false)
                    .mul(probe).sum());
        }
    }

    @Test
    void aimGate() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<NDArray> experts = List.of(random(m, new Shape(3, 2, 5), 7), random(m, new Shape(3, 2, 5), 8),
                    random(m, new Shape(3, 2, 5), 9));
            NDArray w = random(m, new Shape(5), 10);
            NDArray b = random(m, new Shape(3), 11);
            NDArray probe = random(m, new Shape(3, 2, 5), 12);
            check("AIM", List.of(w, b, experts.get(0), experts.get(1), experts.get(2)),
                    in -> InstructionLayer.mix(in.subList(2, 5), in.get(0), in.get(1)).mul(probe).sum());
        }
    }

    @Test
    void sibLoss() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = random(m, new Shape(3, 5), 13);
            NDArray y = random(m, new Shape(3, 5), 14);
            NDArray x = random(m, new Shape(3, 5), 15);
            NDArray logScale = m.create(new double[] {Math.log(2.5)});
            check("SIB", List.of(z, logScale), in -> Sib.loss(in.get(0), y, x, in.get(1), 0.1));
        }
    }

    /** Checks d f / d input for every input against central differences. */
    private static void check(String what, List<NDArray> inputs, Function<List<NDArray>, NDArray> f) {
        inputs.forEach(a -> a.setRequiresGradient(true));
        double[][] analytic = new double[inputs.size()][];
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray out = f.apply(inputs);
            gc.backward(out);
            for (int i = 0; i < inputs.size(); i++) {
                analytic[i] = inputs.get(i).getGradient().toDoubleArray();
            }
        }
        for (int i = 0; i < inputs.size(); i++) {
            NDArray a = inputs.get(i);
            double[] values = a.toDoubleArray();
            double[] numeric = new double[values.length];
            for (int k = 0; k < values.length; k++) {
                numeric[k] = (eval(f, inputs, i, values, k, EPS) - eval(f, inputs, i, values, k, -EPS)) / (2 * EPS);
            }
            double diff = 0;
            double norm = 0;
            for (int k = 0; k < values.length; k++) {
                diff += (analytic[i][k] - numeric[k]) * (analytic[i][k] - numeric[k]);
                norm += numeric[k] * numeric[k];
            }
            double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
            assertTrue(norm > 0, what + " input " + i + ": the gradient is zero");
            assertTrue(rel < 1e-3, what + " input " + i + ": relative error " + rel);
        }
    }

    private static double eval(Function<List<NDArray>, NDArray> f, List<NDArray> inputs, int i, double[] values, int k, double h) {
        NDArray a = inputs.get(i);
        double[] shifted = values.clone();
        shifted[k] += h;
        try (NDManager scope = a.getManager().newSubManager()) {
            NDArray moved = scope.create(shifted, a.getShape());
            List<NDArray> args = new java.util.ArrayList<>(inputs);
            args.set(i, moved);
            NDArray out = f.apply(args);
            return out.toType(DataType.FLOAT64, false).getDouble();
        }
    }

    private static NDArray random(NDManager m, Shape shape, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextDouble() * 2 - 1;
        }
        return m.create(v, shape);
    }
}
