package dev.mmpeft.models.instructblip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.instructblip.testing.TinyInstructBlip;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The memory rule: every array a forward/backward pass, a generation or a scoring creates belongs
 * to the batch's manager, never to the model's, so closing the batch frees everything.
 */
class InstructBlipMemoryTest {
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void nothingLeaksIntoTheModelsManager(boolean t5) {
        try (InstructBlip model = InstructBlip.random(TinyInstructBlip.config(t5, false), 2, 0.3f);
                NDManager root = NDManager.newBaseManager()) {
            for (Parameter p : model.namedParameters().values()) {
                p.getArray().setRequiresGradient(true);
            }
            NDManager owned = model.manager().orElseThrow();
            int before = owned.getManagedArrays().size();
            for (int step = 0; step < 2; step++) {
                try (NDManager batch = root.newSubManager()) {
                    ImmutableInstructBlipInputs in = ImmutableInstructBlipInputs.copyOf(InstructBlipGenerationTest.inputs(batch, t5, null))
                            .withLabels(batch.create(new long[] {9, 10, 1, 12, 1, -100}, new Shape(2, 3)));
                    if (!t5) {
                        in = in.withLabels(batch.create(new long[] {-100, -100, 4, 5, 6, 7, -100, -100, -100, -100, 23, 8}, new Shape(2, 6)));
                    }
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = model.forward(in).loss().orElseThrow();
                        gc.backward(loss);
                    }
                    model.generate(in, GenerationConfig.greedy(2));
                    if (t5) {
                        model.scoreCandidates(in, List.of(new long[] {9, 1}, new long[] {12, 1}));
                    }
                }
                assertEquals(before, owned.getManagedArrays().size(), "arrays left in the model's manager after step " + step);
            }
        }
    }
}
