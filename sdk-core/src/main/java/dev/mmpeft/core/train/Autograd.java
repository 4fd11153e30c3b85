package dev.mmpeft.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.mmpeft.core.MmpeftException;
import java.util.Optional;

/**
 * Autograd on the PyTorch engine, without DJL's {@code GradientCollector}: grad mode per thread,
 * backward on a loss, reading and zeroing gradients. Public so that code outside the trainer (a
 * benchmark, a custom loop) measures and trains exactly the way the trainer does.
 *
 * <p>Why not the collector: only one may be open in the whole JVM (a static flag), so replicas on
 * several GPUs could not run their backward passes concurrently; and PyTorch's grad mode is
 * thread-local, so the collector's switch on one thread does nothing for another. Here grad mode
 * is switched per thread, backward runs on the loss directly, and gradients are read (and zeroed)
 * without DJL's wrapper leaking a handle into the parameter's manager every step.
 */
public final class Autograd {
    private Autograd() {}

    /** Turns grad mode on or off for the calling thread; the returned handle restores it. */
    public static GradMode gradMode(boolean enabled) {
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
        return new GradMode(previous);
    }

    /**
     * {@code x} as float32, differentiably. DJL's {@code toType} (like {@code toDevice}) runs
     * under PyTorch's no-grad guard, so a cast with it cuts the graph: a float16 loss cast that
     * way back-propagates nothing. Multiplying by a one-element float32 tensor of ones promotes
     * the type through an op autograd records; the shape is kept.
     */
    public static NDArray toFloat32(NDArray x) {
        if (x.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32) {
            return x;
        }
        try (NDArray one = x.getManager().ones(new ai.djl.ndarray.types.Shape(1), ai.djl.ndarray.types.DataType.FLOAT32,
                x.getDevice())) {
            NDArray wide = x.mul(one);
            return x.getShape().dimension() == 0 ? wide.reshape(x.getShape()) : wide;
        }
    }

    /** Back-propagates a scalar (d loss / d loss = 1) into the {@code .grad} of every leaf. */
    public static void backward(NDArray loss) {
        PtNDArray l = pt(loss);
        try (NDArray ones = loss.onesLike()) {
            JniUtils.backward(l, pt(ones), false, false);
        }
    }

    /**
     * The accumulated gradient of {@code parameter}, as a view owned by {@code scope} (writes to it
     * change the parameter's gradient), or empty when no backward pass has reached it yet.
     */
    public static Optional<NDArray> gradient(NDArray parameter, NDManager scope) {
        PtNDArray g = JniUtils.getGradient(pt(parameter));
        if (g == null) {
            return Optional.empty();
        }
        g.attach(scope);
        return Optional.of(g);
    }

    /** Sets an existing gradient to zero in place (also when it holds NaN or Inf). */
    public static void zeroGradient(NDArray parameter) {
        PtNDArray p = pt(parameter);
        PtNDArray g = JniUtils.getGradient(p);
        if (g != null) {
            try {
                JniUtils.zeroGrad(p);
            } finally {
                // the handle getGradient made is ours: closing it leaves the gradient in place
                g.close();
            }
        }
    }

    private static PtNDArray pt(NDArray array) {
        if (!(array instanceof PtNDArray)) {
            throw new MmpeftException(
                    "the trainer needs the PyTorch engine; got an array of "
                            + array.getClass().getName());
        }
        return (PtNDArray) array;
    }

    /** Restores the calling thread's previous grad mode when closed. */
    public static final class GradMode implements AutoCloseable {
        private final boolean previous;

        private GradMode(boolean previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            JniUtils.setGradMode(previous);
        }
    }
}
