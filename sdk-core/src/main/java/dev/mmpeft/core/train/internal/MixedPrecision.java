package dev.mmpeft.core.train.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.train.Autograd;
import dev.mmpeft.core.train.Precision;
import dev.mmpeft.core.train.TrainableModel;
import dev.mmpeft.core.train.TrainingException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The float32 side of a float16 run: master copies of the trainable tensors, which the optimizer
 * updates, and the dynamic loss scale of {@code torch.cuda.amp.GradScaler} (initial scale 2^16,
 * doubled after 2,000 steps without overflow, halved and the step skipped on an overflow). The
 * model computes with float16 copies that are refreshed from the masters after every step, so
 * updates smaller than float16's resolution accumulate instead of rounding away.
 *
 * <p>Scales are powers of two, so scaling and unscaling are exact in float32: with no overflow a
 * scaled run takes exactly the steps of an unscaled one.
 */
public final class MixedPrecision implements AutoCloseable {
    /** GradScaler's {@code init_scale}. */
    public static final double INIT_SCALE = 65536.0;
    /** GradScaler's {@code growth_factor}. */
    public static final double GROWTH_FACTOR = 2.0;
    /** GradScaler's {@code backoff_factor}. */
    public static final double BACKOFF_FACTOR = 0.5;
    /** GradScaler's {@code growth_interval}. */
    public static final int GROWTH_INTERVAL = 2000;
    /**
     * System property that lets tests run the float16 machinery on the CPU (PyTorch computes
     * float16 there, slowly); users get a clear refusal instead.
     */
    public static final String ALLOW_HALF_ON_CPU = "mmpeft.precision.allowCpu";

    private final NDManager manager;
    private final Map<String, NDArray> masters = new LinkedHashMap<>();
    private double scale;
    private int growthTracker;
    private long overflows;

    /** Float32 masters of {@code computeParams} (the model's float16 trainable tensors). */
    public MixedPrecision(Map<String, NDArray> computeParams, double initialScale) {
        NDArray first = computeParams.values().iterator().next();
        this.manager = NDManager.newBaseManager(first.getDevice());
        try (Autograd.GradMode off = Autograd.gradMode(false)) {
            for (Map.Entry<String, NDArray> e : computeParams.entrySet()) {
                NDArray m = e.getValue().toType(DataType.FLOAT32, true);
                if (m == e.getValue()) {
                    m = m.duplicate();
                }
                m.attach(manager);
                masters.put(e.getKey(), m);
            }
        }
        this.scale = initialScale;
    }

    /**
     * Checks that a float16 run is possible on {@code devices} and puts the model into float16.
     *
     * @throws TrainingException naming the devices when one is the CPU, or the model's refusal
     */
    public static void enter(TrainableModel<?> model, List<Device> devices) {
        boolean cpu = devices.stream().anyMatch(d -> !d.isGpu());
        if (cpu && !Boolean.getBoolean(ALLOW_HALF_ON_CPU)) {
            throw new TrainingException("mixedPrecision FP16 needs a GPU, but this run trains on " + devices
                    + " (float16 matmul on the CPU is slower than float32, not faster); use FP32 on the CPU,"
                    + " or load the model on a GPU");
        }
        model.computeIn(Precision.FP16);
    }

    /** Puts the model back into float32 and copies the masters (when there are any) into it. */
    public static void leave(TrainableModel<?> model, @Nullable MixedPrecision mixed) {
        model.computeIn(Precision.FP32);
        if (mixed != null) {
            Map<String, NDArray> target = new LinkedHashMap<>();
            model.trainableParameters().forEach((k, p) -> target.put(k, p.getArray()));
            mixed.copyTo(target);
        }
    }

    /** The float32 masters by name: what the optimizer updates and checkpoints hold. */
    public Map<String, NDArray> masters() {
        return masters;
    }

    /** The current loss scale. */
    public double scale() {
        return scale;
    }

    /** Steps skipped because a scaled gradient overflowed. */
    public long overflows() {
        return overflows;
    }

    /**
     * The float32 gradients of the masters: {@code computeGrads} widened and multiplied by
     * 1/scale, owned by {@code scope}.
     */
    public Map<String, NDArray> unscale(Map<String, NDArray> computeGrads, NDManager scope) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (Autograd.GradMode off = Autograd.gradMode(false)) {
            for (Map.Entry<String, NDArray> e : computeGrads.entrySet()) {
                NDArray g = e.getValue().toType(DataType.FLOAT32, true);
                g.attach(scope);
                if (scale != 1.0) {
                    // torch multiplies by the float32 reciprocal; for a power of two it is exact
                    g.muli(scope.create((float) (1.0 / scale)).toDevice(g.getDevice(), false));
                }
                out.put(e.getKey(), g);
            }
        }
        return out;
    }

    /** After a step: {@code finite} false halves the scale (the step was skipped), else it may grow. */
    public void update(boolean finite) {
        if (!finite) {
            scale *= BACKOFF_FACTOR;
            growthTracker = 0;
            overflows++;
        } else if (++growthTracker == GROWTH_INTERVAL) {
            scale *= GROWTH_FACTOR;
            growthTracker = 0;
        }
    }

    /** Copies the masters into the model's compute tensors (rounded to their type). */
    public void copyTo(Map<String, NDArray> computeParams) {
        for (Map.Entry<String, NDArray> e : masters.entrySet()) {
            Tensors.copyInto(computeParams.get(e.getKey()), e.getValue(), e.getKey());
        }
    }

    /** Writes the scaler's state into a checkpoint's state. */
    public void writeState(ObjectNode state) {
        state.put("loss_scale", scale);
        state.put("loss_scale_growth_tracker", growthTracker);
        state.put("loss_scale_overflows", overflows);
    }

    /** Restores the scaler's state from a checkpoint's state. */
    public void readState(JsonNode state) {
        scale = state.path("loss_scale").asDouble(INIT_SCALE);
        growthTracker = state.path("loss_scale_growth_tracker").asInt();
        overflows = state.path("loss_scale_overflows").asLong();
    }

    @Override
    public void close() {
        manager.close();
    }
}
