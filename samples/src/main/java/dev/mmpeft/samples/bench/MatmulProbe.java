package dev.mmpeft.samples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/** The machine's fp32 matmul rate through the engine: the yardstick of the benchmark. */
public final class MatmulProbe {
    private MatmulProbe() {}

    /** GFLOP/s of an {@code n x n} fp32 matmul: the median of {@code reps} timed runs after one warm-up. */
    public static double gflops(int n, int reps) {
        return gflops(n, reps, dev.mmpeft.core.Device.cpu());
    }

    /** As {@link #gflops(int, int)}, on {@code device}. */
    public static double gflops(int n, int reps, dev.mmpeft.core.Device device) {
        try (NDManager m = NDManager.newBaseManager(device.toDjl())) {
            NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
            NDArray b = m.randomUniform(-1, 1, new Shape(n, n));
            double[] t = new double[reps];
            for (int i = -1; i < reps; i++) {
                try (NDManager s = m.newSubManager()) {
                    a.tempAttach(s);
                    long t0 = System.nanoTime();
                    NDArray c = a.matMul(b);
                    c.getFloat(0, 0); // CPU ops are synchronous; reading one value also syncs a GPU
                    long t1 = System.nanoTime();
                    if (i >= 0) {
                        t[i] = (t1 - t0) / 1e9;
                    }
                }
            }
            Arrays.sort(t);
            return 2.0 * n * n * n / t[reps / 2] / 1e9;
        }
    }
}
