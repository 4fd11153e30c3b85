package dev.mmpeft.core.train.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.Devices;
import dev.mmpeft.core.train.ActivationCheckpointing;
import dev.mmpeft.core.train.Autograd;
import dev.mmpeft.core.train.TrainableModel;
import dev.mmpeft.core.train.TrainingException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The model copies a run computes on: one per device, data parallel. Each micro-batch is split
 * into contiguous shards, one per replica; each replica computes its shard's loss and gradients;
 * only the trainable gradients are then summed onto the first replica (the primary), which takes
 * the optimizer step, and the updated trainable tensors are copied back to the others. Frozen
 * weights never move. Replicas on GPUs run their shards on their own threads (PyTorch's grad
 * mode is per thread, which {@link Autograd} handles); replicas on the CPU run one after the
 * other (several CPU replicas exist only to test the reduction: it must equal one replica).
 *
 * <p>The loss of a shard of size {@code s} of a micro-batch of size {@code m} is weighted by
 * {@code s / m}, and a micro-batch of a step of {@code g} examples by {@code m / g}, so the summed
 * gradients equal those of one batch of {@code g} (the model's loss is a mean over its batch).
 */
public final class Replicas<E> implements AutoCloseable {
    private final TrainableModel<E> userModel;
    private final List<TrainableModel<E>> models;
    private final List<Map<String, NDArray>> parameters;
    private final List<NDManager> managers;
    private final ExecutorService pool;
    private final boolean checkpointing;

    private Replicas(TrainableModel<E> userModel, List<TrainableModel<E>> models, List<Device> devices, DataType type,
            boolean checkpointing) {
        this.userModel = userModel;
        this.checkpointing = checkpointing;
        this.models = models;
        this.parameters = new ArrayList<>();
        this.managers = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            parameters.add(arrays(models.get(i), devices.get(i), type));
            managers.add(NDManager.newBaseManager(devices.get(i).toDjl()));
        }
        boolean gpus = devices.stream().anyMatch(Device::isGpu);
        this.pool = gpus && models.size() > 1 ? Executors.newFixedThreadPool(models.size(), r -> {
            Thread t = new Thread(r, "mmpeft-replica");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * The replicas of {@code model} on {@code devices}: the model itself where it already lives on
     * the first device, copies ({@link TrainableModel#replicate}) elsewhere. With {@code half}, the
     * trainable tensors must be float16 (a mixed-precision run, whose float32 masters the trainer
     * keeps); with {@code checkpointing}, every shard's forward and backward pass run in an
     * {@link ActivationCheckpointing} session.
     */
    public static <E> Replicas<E> of(TrainableModel<E> model, List<Device> devices, boolean half, boolean checkpointing) {
        for (Device d : devices) {
            Devices.require(d);
        }
        Device home = deviceOf(model);
        List<TrainableModel<E>> models = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            Device d = devices.get(i);
            models.add(i == 0 && d.equals(home) ? model : model.replicate(d));
        }
        return new Replicas<>(model, models, devices, half ? DataType.FLOAT16 : DataType.FLOAT32, checkpointing);
    }

    /** The device the model's trainable tensors live on. */
    public static Device deviceOf(TrainableModel<?> model) {
        Map<String, Parameter> ps = model.trainableParameters();
        if (ps.isEmpty()) {
            throw new TrainingException("the model has no trainable parameters: nothing to train"
                    + " (for a PEFT model, check its targets)");
        }
        return Device.fromDjl(ps.values().iterator().next().getArray().getDevice());
    }

    private static Map<String, NDArray> arrays(TrainableModel<?> model, Device device, DataType type) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.trainableParameters().entrySet()) {
            Parameter p = e.getValue();
            if (!p.isInitialized()) {
                throw new TrainingException("trainable parameter '" + e.getKey() + "' has no array (the model is not initialised)");
            }
            NDArray a = p.getArray();
            if (!a.hasGradient()) {
                throw new TrainingException("trainable parameter '" + e.getKey()
                        + "' does not require a gradient; the model must mark exactly its trainable tensors");
            }
            if (a.getDataType() != type) {
                throw new TrainingException("trainable parameter '" + e.getKey() + "' is " + a.getDataType()
                        + "; the trainer expects " + type + (type == DataType.FLOAT32
                                ? " tensors (float16 ones only under mixedPrecision(FP16))"
                                : " tensors after TrainableModel.computeIn(FP16)"));
            }
            if (!Device.fromDjl(a.getDevice()).equals(device)) {
                throw new TrainingException("trainable parameter '" + e.getKey() + "' lives on "
                        + Device.fromDjl(a.getDevice()) + ", expected " + device);
            }
            out.put(e.getKey(), a);
        }
        return out;
    }

    /** The primary replica (takes the optimizer steps; validation runs on it). */
    public TrainableModel<E> primary() {
        return models.get(0);
    }

    /** Whether the primary is the caller's model (else tensors are copied back at the end). */
    public boolean primaryIsUserModel() {
        return models.get(0) == userModel;
    }

    /** The primary's trainable arrays by name. */
    public Map<String, NDArray> primaryParameters() {
        return parameters.get(0);
    }

    /** A manager on the primary's device for per-step work. */
    public NDManager primaryManager() {
        return managers.get(0);
    }

    public int size() {
        return models.size();
    }

    /** Switches every replica between training and evaluation mode. */
    public void setTraining(boolean training) {
        for (TrainableModel<E> m : models) {
            m.setTraining(training);
        }
        if (!primaryIsUserModel()) {
            userModel.setTraining(training);
        }
    }

    /**
     * Forward and backward of one micro-batch with weight {@code weight}; returns its mean loss
     * (NaN or infinite when any shard's is, in which case no backward pass ran for that shard).
     */
    public double forwardBackward(List<E> micro, double weight) {
        return forwardBackward(micro, weight, 1.0);
    }

    /**
     * As {@link #forwardBackward(List, double)}, with the loss multiplied by {@code lossScale}
     * before the backward pass (mixed precision); the returned loss is unscaled.
     */
    public double forwardBackward(List<E> micro, double weight, double lossScale) {
        int r = Math.min(models.size(), micro.size());
        int m = micro.size();
        List<List<E>> shards = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < r; i++) {
            int size = m / r + (i < m % r ? 1 : 0);
            shards.add(micro.subList(from, from + size));
            from += size;
        }
        double[] losses = new double[r];
        if (pool == null) {
            for (int i = 0; i < r; i++) {
                losses[i] = shard(i, shards.get(i), weight * shards.get(i).size() / m, lossScale);
            }
        } else {
            List<Future<Double>> futures = new ArrayList<>();
            for (int i = 0; i < r; i++) {
                int k = i;
                futures.add(pool.submit(() -> shard(k, shards.get(k), weight * shards.get(k).size() / m, lossScale)));
            }
            for (int i = 0; i < r; i++) {
                try {
                    losses[i] = futures.get(i).get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TrainingException("interrupted while replica " + i + " computed its shard", e);
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException) {
                        throw (RuntimeException) c;
                    }
                    throw new TrainingException("replica " + i + " failed: " + c, c);
                }
            }
        }
        double total = 0;
        for (int i = 0; i < r; i++) {
            total += losses[i] * shards.get(i).size() / m;
        }
        return total;
    }

    private double shard(int replica, List<E> items, double weight, double lossScale) {
        try (Autograd.GradMode on = Autograd.gradMode(true);
                NDManager scope = managers.get(replica).newSubManager();
                ActivationCheckpointing.Session checkpoints = checkpointing ? ActivationCheckpointing.open(scope) : null) {
            NDArray loss = models.get(replica).loss(items, scope);
            if (loss.size() != 1) {
                throw new TrainingException("the model's loss must be a scalar, got shape " + loss.getShape());
            }
            double value = loss.toType(DataType.FLOAT64, false).toDoubleArray()[0];
            if (!Double.isFinite(value)) {
                return value;
            }
            // a float16 loss is widened first: times a loss scale of 2^16 it would overflow float16
            NDArray wide = Autograd.toFloat32(loss);
            double factor = weight * lossScale;
            NDArray scaled = factor == 1.0 ? wide : wide.mul(scope.create((float) factor).toDevice(loss.getDevice(), false));
            if (checkpoints == null) {
                Autograd.backward(scaled);
            } else {
                checkpoints.backward(scaled);
            }
            return value;
        }
    }

    /**
     * Sums every replica's trainable gradients onto the primary's and returns the primary's
     * gradients (views owned by {@code scope}); tensors no backward pass reached are absent.
     */
    public Map<String, NDArray> reduceGradients(NDManager scope) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (Autograd.GradMode off = Autograd.gradMode(false)) {
            for (Map.Entry<String, NDArray> e : parameters.get(0).entrySet()) {
                NDArray g0 = Autograd.gradient(e.getValue(), scope).orElse(null);
                for (int i = 1; i < models.size(); i++) {
                    NDArray gi = Autograd.gradient(parameters.get(i).get(e.getKey()), scope).orElse(null);
                    if (gi == null) {
                        continue;
                    }
                    if (g0 == null) {
                        throw new TrainingException("trainable tensor '" + e.getKey()
                                + "' got a gradient on replica " + i + " but not on the primary");
                    }
                    NDArray moved = gi.toDevice(g0.getDevice(), false);
                    if (moved != gi) {
                        moved.attach(scope);
                    }
                    g0.addi(moved);
                }
                if (g0 != null) {
                    out.put(e.getKey(), g0);
                }
            }
        }
        return out;
    }

    /** Zeroes every replica's trainable gradients (also when they hold NaN or Inf). */
    public void zeroGradients() {
        for (Map<String, NDArray> ps : parameters) {
            for (NDArray p : ps.values()) {
                Autograd.zeroGradient(p);
            }
        }
    }

    /** Copies the primary's trainable tensors to every other replica. */
    public void broadcast() {
        for (int i = 1; i < models.size(); i++) {
            for (Map.Entry<String, NDArray> e : parameters.get(0).entrySet()) {
                Tensors.copyInto(parameters.get(i).get(e.getKey()), e.getValue(), e.getKey());
            }
        }
    }

    /** Copies the primary's trainable tensors into the caller's model, when it is not the primary. */
    public void syncUserModel() {
        if (primaryIsUserModel()) {
            return;
        }
        Map<String, NDArray> target = new LinkedHashMap<>();
        userModel.trainableParameters().forEach((n, p) -> target.put(n, p.getArray()));
        for (Map.Entry<String, NDArray> e : parameters.get(0).entrySet()) {
            NDArray t = target.get(e.getKey());
            if (t == null) {
                throw new TrainingException("replica has trainable tensor '" + e.getKey() + "' that the model lacks");
            }
            Tensors.copyInto(t, e.getValue(), e.getKey());
        }
    }

    /**
     * Frees the per-replica managers and the copies {@link TrainableModel#replicate} made (those
     * that are {@link AutoCloseable}: a PEFT replica holds a whole copy of the frozen base weights);
     * the caller's model stays open.
     */
    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
        for (NDManager m : managers) {
            m.close();
        }
        RuntimeException failure = null;
        for (TrainableModel<E> m : models) {
            if (m != userModel && m instanceof AutoCloseable) {
                try {
                    ((AutoCloseable) m).close();
                } catch (Exception e) {
                    if (failure == null) {
                        failure = new TrainingException("cannot close a model replica: " + e, e);
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
