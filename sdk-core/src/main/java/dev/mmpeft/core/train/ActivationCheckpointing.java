package dev.mmpeft.core.train;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Activation checkpointing (transformers' {@code gradient_checkpointing_enable()}): inside a
 * {@link Session}, each layer that a model runs through {@link #layer} keeps only its input for
 * the backward pass, and is computed again, with history, when the backward pass reaches it.
 *
 * <p>Why it is written this way: PyTorch's {@code torch.utils.checkpoint} is a custom autograd
 * function, which DJL 0.35.1 does not expose to Java. So the trainer does the recomputation
 * itself. In the forward pass a layer runs without recording history, in a scope of its own that
 * frees everything but its output; the output becomes a leaf that requires grad, so the rest of
 * the model records history from there. After the loss's backward pass,
 * {@link Session#backward()} takes the layers last first: it runs each again from its kept input
 * with history and back-propagates the gradient that reached its output ({@code backward(out, g)}).
 * That fills the layer's parameter gradients and its input's gradient, which is the previous
 * layer's output leaf, or, for the first layer of a stack, flows on into whatever computed the
 * input (a Q-Former's output through the projection, say). Arrays a layer reads besides its input
 * (an attention bias, the encoder output a decoder layer attends to) get their gradients the same
 * way; the graph is kept through these passes because several layers share them.
 *
 * <p>Dropout: each layer's two runs must draw the same masks. PyTorch saves and restores the
 * generator's state; DJL cannot read it, so each checkpointed layer seeds the generator with its
 * own seed (derived from one draw of the step's generator when the session opens) before both
 * runs. Runs with checkpointing are deterministic and resume exactly, but they draw other dropout
 * masks than the same run without it; without dropout the two give the same gradients.
 *
 * <p>The cost: every checkpointed layer's forward pass runs twice (a third more arithmetic for
 * full fine-tuning, whose backward pass costs two forward passes; relatively more for PEFT, whose
 * backward pass computes no gradients for frozen weights); the saving: a layer's activations are
 * held only while its backward runs.
 * A checkpointed layer must leave nothing behind but its output: state it stored in its first run
 * for later would have no history. The layers of this SDK's models qualify (loss terms such as
 * PETAL's SIB are computed from the layers' outputs, outside them); {@link #verifyReplays} checks
 * that a layer's second run equals its first.
 */
public final class ActivationCheckpointing {
    private static final ThreadLocal<Session> SESSION = new ThreadLocal<>();
    private static volatile boolean verifyReplays;

    private ActivationCheckpointing() {}

    /**
     * Opens a session on the calling thread: until it is closed, layers run through
     * {@link #layer} in grad mode are checkpointed. Draws one number from the engine's generator
     * (the seed the layers' seeds derive from).
     *
     * @param scope a manager of the step, on the model's device
     * @throws IllegalStateException if a session is already open on this thread
     */
    public static Session open(NDManager scope) {
        if (SESSION.get() != null) {
            throw new IllegalStateException("an activation-checkpointing session is already open on this thread");
        }
        long base;
        try (NDArray draw = scope.randomInteger(0, Long.MAX_VALUE, new Shape(1), DataType.INT64)) {
            base = draw.toLongArray()[0];
        }
        Session s = new Session(base);
        SESSION.set(s);
        return s;
    }

    /**
     * For tests and debugging: when on, the backward pass compares each layer's second run with
     * its first and throws {@link TrainingException} if a single value differs (a layer that is not
     * a function of its inputs, or dropout not replayed). Costs one comparison per layer.
     */
    public static void verifyReplays(boolean on) {
        verifyReplays = on;
    }

    /** Whether the session open on this thread has checkpointed a layer in this forward pass (so later layers' inputs carry history). */
    public static boolean hasCheckpoints() {
        Session s = SESSION.get();
        return s != null && !s.layers.isEmpty();
    }

    /** Whether layers run now are checkpointed: a session is open on this thread and grad mode is on. */
    public static boolean active() {
        Session s = SESSION.get();
        return s != null && !s.replaying && JniUtils.isGradMode();
    }

    /**
     * Runs {@code layer} on {@code input}: checkpointed when {@link #active()}, otherwise
     * {@code fallback} runs it (a model's usual per-layer scope).
     *
     * <p>{@code layer} must be a function of {@code input}, the model's parameters and arrays
     * that outlive the step's backward pass (its masks and biases), and must leave nothing behind
     * but its output: it runs once more, later, in the backward pass.
     */
    public static NDArray layer(NDArray input, UnaryOperator<NDArray> layer, UnaryOperator<NDArray> fallback) {
        // inactive also while the session runs layers again: a layer inside one runs as usual, within it
        return active() ? SESSION.get().forward(input, layer) : fallback.apply(input);
    }

    /** One step's checkpointed layers, last first; close it after {@link #backward()} (or on failure). */
    public static final class Session implements AutoCloseable {
        private final long base;
        private final Deque<Checkpoint> layers = new ArrayDeque<>();
        private long count;
        private boolean replaying;

        private Session(long base) {
            this.base = base;
        }

        /** Layers checkpointed so far in this session and not yet back-propagated. */
        public int pending() {
            return layers.size();
        }

        private NDArray forward(NDArray input, UnaryOperator<NDArray> layer) {
            // golden-ratio steps of a 64-bit seed: distinct per layer, the same in both runs
            long seed = base + (++count) * 0x9E3779B97F4A7C15L;
            NDManager parent = input.getManager();
            NDArray out;
            try (Autograd.GradMode off = Autograd.gradMode(false); NDManager sub = parent.newSubManager()) {
                JniUtils.setSeed(seed);
                input.tempAttach(sub);
                out = layer.apply(input);
                if (out == input) {
                    return input;
                }
                out.attach(parent);
            }
            // computed without history, so a leaf: what comes after records history from here
            out.setRequiresGradient(true);
            layers.push(new Checkpoint(input, layer, seed, out));
            return out;
        }

        /** Back-propagates {@code loss} ({@link Autograd#backward}), then through every checkpointed layer. */
        public void backward(NDArray loss) {
            Autograd.backward(loss);
            backward();
        }

        /**
         * Back-propagates through every checkpointed layer, last first. Call it right after the
         * loss's backward pass, with the step's arrays still open.
         */
        public void backward() {
            replaying = true;
            try (Autograd.GradMode on = Autograd.gradMode(true)) {
                while (!layers.isEmpty()) {
                    Checkpoint c = layers.pop();
                    if (c.output.isReleased() || c.input.isReleased()) {
                        throw new TrainingException("activation checkpointing: the model freed a checkpointed layer's "
                                + (c.output.isReleased() ? "output" : "input") + " before the backward pass (a scope of its own"
                                + " closed it); run that part of the model without grad mode or without activation checkpointing");
                    }
                    @Nullable PtNDArray grad = JniUtils.getGradient((PtNDArray) c.output);
                    if (grad == null) {
                        continue; // nothing after this layer reached the loss
                    }
                    try (NDManager sub = c.input.getManager().newSubManager()) {
                        grad.attach(sub);
                        JniUtils.setSeed(c.seed);
                        c.input.tempAttach(sub);
                        NDArray again = c.layer.apply(c.input);
                        if (verifyReplays && !again.contentEquals(c.output)) {
                            throw new TrainingException("activation checkpointing: a layer's second run differs from its first"
                                    + " (output " + again.getShape() + "); the layer is not a function of its inputs");
                        }
                        try {
                            // retain the graph: arrays several layers read (a bias, an encoder output) are back-propagated through more than once
                            JniUtils.backward((PtNDArray) again, grad, true, false);
                        } catch (EngineException e) {
                            // a frozen layer on an input without history: nothing to back-propagate. (DJL has
                            // no safe test for history: requiresGrad is false for every non-leaf, and the
                            // grad function's name crashes the JVM when there is none.)
                            if (!String.valueOf(e.getMessage()).contains("does not require grad")) {
                                throw e;
                            }
                        }
                    }
                }
            } finally {
                replaying = false;
            }
        }

        /** Ends the session on this thread; layers not back-propagated are dropped. */
        @Override
        public void close() {
            layers.clear();
            SESSION.remove();
        }
    }

    private static final class Checkpoint {
        final NDArray input;
        final UnaryOperator<NDArray> layer;
        final long seed;
        final NDArray output;

        Checkpoint(NDArray input, UnaryOperator<NDArray> layer, long seed, NDArray output) {
            this.input = input;
            this.layer = layer;
            this.seed = seed;
            this.output = output;
        }
    }
}
