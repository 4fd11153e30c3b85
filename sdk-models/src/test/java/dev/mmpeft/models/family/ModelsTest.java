package dev.mmpeft.models.family;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.testing.TestResources;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipFamily;
import dev.mmpeft.models.llava.LlavaFamily;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The family registry: the built-in families found by ServiceLoader, picked by model_type, run alike. */
class ModelsTest {
    @Test
    void theBuiltInFamiliesAreFound() {
        assertEquals(List.of("instructblip", "lavin", "llava"), Models.families().stream().map(ModelFamily::name).toList());
        assertInstanceOf(LlavaFamily.class, Models.forModelType("llava").orElseThrow());
        assertInstanceOf(InstructBlipFamily.class, Models.forModelType("instructblip").orElseThrow());
        assertInstanceOf(dev.mmpeft.models.lavin.LavinFamily.class, Models.forModelType("lavin").orElseThrow());
        assertTrue(Models.forModelType("minigpt4").isEmpty());
        assertEquals(Set.of("llava"), Models.forName("llava").orElseThrow().modelTypes());
        assertInstanceOf(LlavaFamily.class, Models.familyOf(TestResources.hfConfig("llava-1.5-7b-hf")));
        assertInstanceOf(InstructBlipFamily.class, Models.familyOf(TestResources.hfConfig("instructblip-vicuna-7b")));
    }

    @Test
    void instructBlipThroughTheRegistryMatchesItsReference() throws Exception {
        Path dir = Path.of(ModelsTest.class.getResource("/blip-reference/llama-imagetokens-tied/config.json").toURI()).getParent();
        try (MultimodalModel model = Models.load(dir);
                NDManager m = NDManager.newBaseManager();
                Checkpoint expected = Checkpoint.open(dir.resolve("expected.safetensors"))) {
            assertEquals("instructblip", model.family());
            assertInstanceOf(InstructBlip.class, model.model());
            ModelOutputs out = model.forward(ModelInputs.read(dir.resolve("inputs.safetensors"), m));
            assertEquals(List.of("logits", "loss", "language_model_inputs"), List.copyOf(out.tensors().keySet()));
            assertEquals(0.0, maxAbsDiff(expected.load("logits", m), out.logits()), 1e-4);
            assertEquals(expected.load("loss", m).getFloat(), out.loss().orElseThrow().getFloat(), 1e-5);
            assertEquals(Set.of("language_projection"), model.modulesOf(Component.parse("connector")));
            assertEquals(model.model().parameterCount(), model.parameterCount());

            Map<String, NDArray> noQformer = new LinkedHashMap<>(ModelInputs.read(dir.resolve("inputs.safetensors"), m).tensors());
            noQformer.remove("qformer_input_ids");
            MmpeftException e = assertThrows(MmpeftException.class, () -> model.forward(ModelInputs.of(noQformer)));
            assertEquals("inputs: missing input tensor 'qformer_input_ids' for the instructblip family; expected [pixel_values,"
                    + " qformer_input_ids, input_ids] and optionally [qformer_attention_mask, attention_mask, labels, decoder_input_ids,"
                    + " decoder_attention_mask]", e.getMessage());
        }
    }

    @Test
    void inputsAreConvertedAndCheckedByType() {
        try (NDManager m = NDManager.newBaseManager()) {
            ModelInputs in = ModelInputs.of(Map.of(
                    "input_ids", m.create(new int[] {1, 2, 3}),
                    "attention_mask", m.create(new boolean[] {true, true, false}),
                    "pixel_values", m.create(new double[] {0.5})));
            assertEquals(ai.djl.ndarray.types.DataType.INT64, in.requireInts("input_ids").getDataType());
            assertEquals(List.of(1L, 1L, 0L), java.util.Arrays.stream(in.requireInts("attention_mask").toLongArray()).boxed().toList());
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, in.requireFloats("pixel_values").getDataType());
            MmpeftException e = assertThrows(MmpeftException.class, () -> in.requireInts("pixel_values"));
            assertEquals("inputs: input 'pixel_values' must hold integers (int32, int64 or bool), found float64", e.getMessage());
            e = assertThrows(MmpeftException.class, () -> in.requireFloats("input_ids"));
            assertEquals("inputs: input 'input_ids' must be floating point, found int32", e.getMessage());
        }
    }

    static double maxAbsDiff(NDArray a, NDArray b) {
        assertEquals(a.getShape(), b.getShape());
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        return worst;
    }
}
