package dev.mmpeft.core.train.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.core.train.Autograd;
import dev.mmpeft.core.train.Precision;
import dev.mmpeft.core.train.TrainableModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A tiny real model for trainer tests: {@code logits = fc2(dropout(relu(fc1(x)) * norm.weight))}
 * (the part inside fc2 is one layer for activation checkpointing),
 * mean cross-entropy loss, with real DJL parameters that require gradients. Weights come from a
 * seeded java.util.Random, so every JVM builds the same model. A chosen subset of tensors is
 * trainable (the rest frozen), like a PEFT model.
 */
public final class TinyClassifier implements TrainableModel<TinyClassifier.Sample>, AutoCloseable {
    /** One example: an id, features and a class. */
    public record Sample(String id, float[] x, int label) {}

    public static final List<String> ALL = List.of("fc1.weight", "fc1.bias", "norm.weight", "fc2.weight", "fc2.bias");

    private final NDManager manager;
    private final int in;
    private final int hidden;
    private final int classes;
    private final float dropout;
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Set<String> trainable;
    private boolean training;
    private DataType dtype = DataType.FLOAT32;
    /** When set, the loss of a batch containing this id is NaN (to test the non-finite policy). */
    public volatile String poisonId;
    /** The copies {@link #replicate} made, in order. */
    private final List<TinyClassifier> replicas = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public TinyClassifier(Device device, int in, int hidden, int classes, float dropout, long seed, Set<String> trainable) {
        this.manager = NDManager.newBaseManager(device.toDjl());
        this.in = in;
        this.hidden = hidden;
        this.classes = classes;
        this.dropout = dropout;
        this.trainable = trainable;
        Random r = new Random(seed);
        add("fc1.weight", new Shape(hidden, in), r, 1.0 / Math.sqrt(in), 0);
        add("fc1.bias", new Shape(hidden), r, 0.1, 0);
        add("norm.weight", new Shape(hidden), r, 0.1, 1);
        add("fc2.weight", new Shape(classes, hidden), r, 1.0 / Math.sqrt(hidden), 0);
        add("fc2.bias", new Shape(classes), r, 0.1, 0);
    }

    private void add(String name, Shape shape, Random r, double scale, double offset) {
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (offset + scale * r.nextGaussian());
        }
        put(name, manager.create(v, shape));
    }

    private void put(String name, NDArray a) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optRequiresGrad(trainable.contains(name)).build();
        a.setName(name);
        if (trainable.contains(name)) {
            a.setRequiresGradient(true);
        }
        p.setArray(a);
        params.put(name, p);
    }

    @Override
    public Map<String, Parameter> trainableParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        params.forEach((k, v) -> {
            if (trainable.contains(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Every tensor, trainable or not. */
    public Map<String, Parameter> allParameters() {
        return params;
    }

    private NDArray w(String name) {
        return params.get(name).getArray();
    }

    /** Logits of a batch, in {@code scope}. */
    public NDArray logits(List<Sample> batch, NDManager scope) {
        float[] flat = new float[batch.size() * in];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(batch.get(i).x(), 0, flat, i * in, in);
        }
        NDArray x = scope.create(flat, new Shape(batch.size(), in)).toType(dtype, false);
        // the hidden layer is one layer for the trainer's activation checkpointing (run as is without it)
        java.util.function.UnaryOperator<NDArray> hidden = in -> {
            NDArray h = Activation.relu(Linear.linear(in, w("fc1.weight"), w("fc1.bias")).singletonOrThrow()).mul(w("norm.weight"));
            return dropout > 0 ? Dropout.dropout(h, dropout, training).singletonOrThrow() : h;
        };
        NDArray h = dev.mmpeft.core.train.ActivationCheckpointing.layer(x, hidden, hidden);
        return Linear.linear(h, w("fc2.weight"), w("fc2.bias")).singletonOrThrow();
    }

    @Override
    public NDArray loss(List<Sample> batch, NDManager scope) {
        // the log-softmax in float32 (a differentiable widening: toType would cut the graph)
        NDArray logp = Autograd.toFloat32(logits(batch, scope)).logSoftmax(1);
        float[] labels = new float[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            labels[i] = batch.get(i).label();
        }
        NDArray oneHot = scope.create(labels).toType(ai.djl.ndarray.types.DataType.INT64, false).oneHot(classes);
        NDArray loss = logp.mul(oneHot).sum(new int[] {1}).neg().mean();
        if (poisonId != null && batch.stream().anyMatch(s -> s.id().equals(poisonId))) {
            loss = loss.mul(scope.create(Float.NaN));
        }
        return loss;
    }

    /** Fraction of correct argmax predictions. */
    public double accuracy(List<Sample> data) {
        try (NDManager scope = manager.newSubManager()) {
            long[] pred = logits(data, scope).argMax(1).toLongArray();
            int ok = 0;
            for (int i = 0; i < data.size(); i++) {
                ok += pred[i] == data.get(i).label() ? 1 : 0;
            }
            return (double) ok / data.size();
        }
    }

    @Override
    public void setTraining(boolean training) {
        this.training = training;
    }

    public boolean isTraining() {
        return training;
    }

    @Override
    public void saveTrainable(Path directory) throws IOException {
        Map<String, NDArray> t = new LinkedHashMap<>();
        trainableParameters().forEach((k, v) -> t.put(k, v.getArray()));
        SafetensorsWriter.write(directory.resolve("tiny_trainable.safetensors"), t);
        AtomicFiles.writeString(directory.resolve("tiny_config.json"), "{\"hidden\": " + hidden + "}\n");
    }

    /** Every tensor converted to float16 or back to float32 (new arrays; trainable ones require gradients). */
    @Override
    public void computeIn(Precision precision) {
        DataType target = precision == Precision.FP16 ? DataType.FLOAT16 : DataType.FLOAT32;
        if (precision == Precision.BF16) {
            throw new IllegalArgumentException("bf16 cannot be represented by this engine");
        }
        if (target == dtype) {
            return;
        }
        for (String name : List.copyOf(params.keySet())) {
            NDArray old = params.get(name).getArray();
            NDArray converted;
            try (Autograd.GradMode off = Autograd.gradMode(false)) {
                converted = old.toType(target, true); // a new leaf, not a node of old's graph
            }
            converted.attach(manager);
            put(name, converted);
            old.close();
        }
        dtype = target;
    }

    /** The floating-point type the model computes in now. */
    public DataType dataType() {
        return dtype;
    }

    @Override
    public TrainableModel<Sample> replicate(Device device) {
        TinyClassifier copy = new TinyClassifier(device, in, hidden, classes, dropout, 0, trainable);
        params.forEach((k, p) -> {
            float[] v = p.getArray().toType(DataType.FLOAT32, false).toFloatArray();
            copy.params.get(k).getArray().set(v);
        });
        if (dtype == DataType.FLOAT16) {
            copy.computeIn(Precision.FP16);
        }
        copy.poisonId = poisonId;
        replicas.add(copy);
        return copy;
    }

    /** The copies {@link #replicate} made (for data-parallel runs), in order. */
    public List<TinyClassifier> replicas() {
        return List.copyOf(replicas);
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Frees the tensors. */
    @Override
    public void close() {
        closed = true;
        manager.close();
    }

    /** A copy of every tensor's values by name. */
    public Map<String, float[]> snapshot() {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }

    /** Synthetic data: class = argmax of a fixed random projection of Gaussian features. */
    public static List<Sample> data(int n, int in, int classes, long seed) {
        Random r = new Random(seed);
        Random proj = new Random(12345);
        float[][] w = new float[classes][in];
        for (float[] row : w) {
            for (int j = 0; j < in; j++) {
                row[j] = (float) proj.nextGaussian();
            }
        }
        java.util.ArrayList<Sample> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] x = new float[in];
            for (int j = 0; j < in; j++) {
                x[j] = (float) r.nextGaussian();
            }
            int best = 0;
            double bestV = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double v = 0;
                for (int j = 0; j < in; j++) {
                    v += w[c][j] * x[j];
                }
                if (v > bestV) {
                    bestV = v;
                    best = c;
                }
            }
            out.add(new Sample("s" + seed + "-" + i, x, best));
        }
        return out;
    }
}
