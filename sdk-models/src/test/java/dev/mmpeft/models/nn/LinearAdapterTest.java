package dev.mmpeft.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How adapters attached to a {@link Linear} rewrite its input and adapt its output, and in which order. */
class LinearAdapterTest {
    /** Scales the input by a vector (IA3 on a feed-forward layer) and records what {@code adapt} saw. */
    private static final class InputScale implements LinearAdapter {
        final NDArray scale;
        final List<float[]> seen = new ArrayList<>();
        boolean active = true;

        InputScale(NDArray scale) {
            this.scale = scale;
        }

        @Override
        public NDArray transformInput(NDArray input) {
            return input.mul(scale);
        }

        @Override
        public NDArray adapt(NDArray input, NDArray output) {
            seen.add(input.toFloatArray());
            return output;
        }

        @Override
        public boolean isActive() {
            return active;
        }
    }

    @Test
    void inputRewritesRunBeforeTheBaseLayerAndOutputAdaptersSeeTheRewrittenInput() {
        try (NDManager m = NDManager.newBaseManager()) {
            Linear layer = new Linear(2, 2, true);
            layer.parameter("weight").setArray(m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2)));
            layer.parameter("bias").setArray(m.create(new float[] {0.5f, -1}, new Shape(2)));
            NDArray x = m.create(new float[] {1, -1}, new Shape(1, 2));
            // W x + b = [1 - 2 + 0.5, 3 - 4 - 1]
            assertArrayEquals(new float[] {-0.5f, -2}, layer.forward(x).toFloatArray());

            InputScale first = new InputScale(m.create(new float[] {2, 3}));
            InputScale second = new InputScale(m.create(new float[] {10, 1}));
            layer.attach("a", first);
            layer.attach("b", second);
            // x * [2, 3] * [10, 1] = [20, -3]; W [20, -3] + b = [20 - 6 + 0.5, 60 - 12 - 1]
            assertArrayEquals(new float[] {14.5f, 47}, layer.forward(x).toFloatArray());
            assertArrayEquals(new float[] {20, -3}, first.seen.get(0), "adapt sees the input the base layer computed with");
            assertArrayEquals(new float[] {-0.5f, -2}, layer.forwardBase(x).toFloatArray(), "forwardBase ignores adapters");

            first.active = false;
            // only the second rewrite: [10, -1]; W [10, -1] + b = [10 - 2 + 0.5, 30 - 4 - 1]
            assertArrayEquals(new float[] {8.5f, 25}, layer.forward(x).toFloatArray(), "inactive adapters do not rewrite");
        }
    }
}
