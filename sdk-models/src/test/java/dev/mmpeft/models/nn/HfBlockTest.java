package dev.mmpeft.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import org.junit.jupiter.api.Test;

/** Names, lookups and array replacement of {@link HfBlock} trees. */
class HfBlockTest {
    /** {@code layer.0.dense} and {@code layer.1.dense} under a root, as transformers names them. */
    static final class Tree extends HfBlock {
        final HfBlockList<Layer> layer = child("layer", new HfBlockList<>(2, i -> new Layer()));
    }

    static final class Layer extends HfBlock {
        final Linear dense = child("dense", new Linear(2, 3, true));
    }

    @Test
    void replacingAnArrayPutsANewParameterInPlaceAndTouchesNoArray() {
        try (NDManager m = NDManager.newBaseManager()) {
            Tree tree = new Tree();
            Weights.initRandom(tree, m, 1, 0.5f);
            String name = "layer.1.dense.weight";
            Parameter before = tree.parameter(name);
            assertSame(tree.layer.get(1).dense.weight(), before);
            assertSame(before, tree.namedParameters().get(name));
            NDArray shared = before.getArray();
            NDArray x = m.create(new float[] {1f, -2f}, new Shape(1, 2));
            float[] y = tree.layer.get(1).dense.forward(x).toFloatArray();

            NDArray other = shared.mul(2);
            other.setRequiresGradient(true);
            Parameter after = tree.replaceArray(name, other, false);
            assertSame(after, tree.parameter(name));
            assertSame(after, tree.namedParameters().get(name));
            assertSame(after, tree.layer.get(1).dense.weight());
            assertSame(other, after.getArray());
            assertFalse(after.requiresGradient());
            assertTrue(other.hasGradient(), "the new array's own gradient flag is left alone");
            assertSame(shared, before.getArray(), "the old Parameter keeps the old array");
            assertEquals(new Shape(3, 2), after.getShape());
            assertEquals(before.getName(), after.getName());
            assertEquals(before.getType(), after.getType());
            // the forward pass reads the new array: W x doubles, b stays
            float[] bias = tree.layer.get(1).dense.bias().getArray().toFloatArray();
            float[] y2 = tree.layer.get(1).dense.forward(x).toFloatArray();
            for (int i = 0; i < 3; i++) {
                assertEquals(2 * (y[i] - bias[i]) + bias[i], y2[i], 1e-6f);
            }

            tree.replaceArray(name, shared, true);
            assertSame(shared, tree.parameter(name).getArray());
            assertTrue(tree.parameter(name).requiresGradient());
            assertFalse(shared.hasGradient(), "the flag is the parameter's, not the shared array's");
            assertArrayEquals(y, tree.layer.get(1).dense.forward(x).toFloatArray());
            // a block's own name works as well as a dotted one
            assertSame(tree.parameter(name), tree.layer.get(1).dense.parameter("weight"));
        }
    }

    @Test
    void unknownNamesAndWrongShapesAreRefused() {
        try (NDManager m = NDManager.newBaseManager()) {
            Tree tree = new Tree();
            Weights.initRandom(tree, m, 1, 0.5f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tree.parameter("layer.2.dense.weight"));
            assertEquals("Tree has no parameter 'layer.2.dense.weight'", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> tree.parameter("layer.0.dense.kernel"));
            e = assertThrows(IllegalArgumentException.class, () -> tree.replaceArray("layer.0.dense.bias", m.zeros(new Shape(2)), false));
            assertEquals("parameter layer.0.dense.bias has shape (3), cannot point it at an array of shape (2)", e.getMessage());
        }
    }
}
