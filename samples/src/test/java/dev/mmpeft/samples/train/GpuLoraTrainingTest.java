package dev.mmpeft.samples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.Devices;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.safetensors.SafetensorsFile;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.experiments.ExecutionOptions;
import dev.mmpeft.experiments.Experiment;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.samples.quickstart.DefaultModel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded InstructBLIP fine-tuned with LoRA end to end (training, validation by generation,
 * test evaluation, adapter) on a GPU equals the same run on the CPU within float tolerance, and
 * data parallel over every GPU equals one GPU. Skipped, with the reason, without (enough) GPUs.
 */
class GpuLoraTrainingTest {
    @TempDir static Path cache;

    @BeforeAll
    static void isolateCache() {
        System.setProperty("mmpeft.cache", cache.toString());
    }

    /** Runs the experiment on {@code devices} (the model loaded on the first) and returns its folder. */
    private static Path run(Path tmp, String name, List<Device> devices) throws Exception {
        Path modelDir = DefaultModel.directory();
        Path data = SyntheticDataset.builder().seed(11).variant(Variant.SHIFTED).train(32).val(8).test(8).imageSize(56).choices(4)
                .build().writeScienceQa(tmp.resolve("data-" + name));
        TaskData task = TaskData.of("scienceqa", data).withTemplate(DefaultModel.TEMPLATE);
        // no dropout: the GPU's random numbers are not the CPU's
        FineTuning setting = FineTuning.lora(EnumSet.of(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN), 2).withDropout(0)
                .withRecipe(5e-3, 2, 8, 0);
        Path out = tmp.resolve(name);
        try (InstructBlip model = InstructBlip.load(modelDir, devices.get(0));
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, model.config());
                PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream())) {
            Experiment.run(model, processor, DefaultModel.NAME, task, setting, out, false, false, quiet,
                    ExecutionOptions.builder().devices(devices).build());
        }
        return out;
    }

    private static void assertSameRun(Path a, Path b, double tolerance) throws Exception {
        JsonNode la = Json.read(a.resolve("training/checkpoint/trainer_state.json")).get("losses");
        JsonNode lb = Json.read(b.resolve("training/checkpoint/trainer_state.json")).get("losses");
        assertEquals(la.size(), lb.size());
        for (int i = 0; i < la.size(); i++) {
            assertEquals(la.get(i).asDouble(), lb.get(i).asDouble(), 1e-3 * Math.max(1, Math.abs(la.get(i).asDouble())), "loss " + i);
        }
        try (SafetensorsFile x = SafetensorsFile.open(a.resolve("adapter/adapter_model.safetensors"));
                SafetensorsFile y = SafetensorsFile.open(b.resolve("adapter/adapter_model.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(x.names(), y.names());
            for (String n : x.names()) {
                float[] u = x.load(n, m).toFloatArray();
                float[] v = y.load(n, m).toFloatArray();
                for (int i = 0; i < u.length; i++) {
                    assertEquals(u[i], v[i], tolerance, n + "[" + i + "]");
                }
            }
        }
        JsonNode prov = Json.read(b.resolve("training/provenance.json"));
        assertTrue(prov.at("/config/devices").toString().contains("gpu:0"), prov.toString());
    }

    @Test
    void loraOnAGpuMatchesTheCpu(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Devices.gpuCount() > 0, "needs a GPU: none present");
        assertSameRun(run(tmp, "cpu", List.of(Device.cpu())), run(tmp, "gpu", List.of(Device.gpu(0))), 2e-3);
    }

    @Test
    void loraDataParallelOverEveryGpuMatchesOneGpu(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Devices.gpuCount() > 1, "needs two or more GPUs: " + Devices.gpuCount() + " present");
        assertSameRun(run(tmp, "one", List.of(Device.gpu(0))), run(tmp, "all", Devices.gpus()), 1e-3);
    }
}
