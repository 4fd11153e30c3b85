package dev.mmpeft.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorMismatchTest {
    @Test
    void describesEveryKindOnOneLineInLoadStateDictOrder() {
        TensorMismatch m = new TensorMismatch(List.of("a.weight", "b.weight"), List.of("extra"), List.of("c.bias: file [5], model expects [24]"));
        assertEquals("/x/model: checkpoint does not fit the model; missing tensors (2): a.weight, b.weight;"
                + " unexpected tensors (1): extra; shape mismatches (1): c.bias: file [5], model expects [24]",
                m.describe("/x/model", "checkpoint"));
        assertEquals("ad: adapter does not fit the model; unexpected tensors (1): extra",
                new TensorMismatch(List.of(), List.of("extra"), List.of()).describe("ad", "adapter"));
    }

    @Test
    void longListsAreCutInTheMessageButKeptWhole() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            names.add("t" + i);
        }
        TensorMismatch m = new TensorMismatch(names, List.of(), List.of());
        assertEquals("f: adapter does not fit the model; missing tensors (13): t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, ... and 3 more",
                m.describe("f", "adapter"));
        assertEquals(names, m.missing());
    }
}
