package dev.mmpeft.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.peft.format.AdapterFiles;
import dev.mmpeft.peft.lora.InitLoraWeights;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * IA3 and DoRA adapters in PEFT's format on the tiny InstructBLIP-FlanT5 reference model, both ways,
 * against an independent numpy implementation written from PEFT's source
 * ({@code src/test/python/ia3_dora_reference.py}): adapters it wrote (committed under
 * {@code peft-reference/}) load through {@code Peft.load} (what {@code ./mmpeft forward --adapter}
 * calls) and give its logits; adapters written here give the logits it computes from them.
 */
class Ia3DoraReferenceTest {
    @TempDir Path tmp;

    static Path resourceDir(String file) throws URISyntaxException {
        return Path.of(Ia3DoraReferenceTest.class.getResource(file).toURI()).getParent();
    }

    static Path model() throws URISyntaxException {
        return resourceDir("/blip-reference/t5-legacy/config.json");
    }

    static InstructBlipInputs inputs(Checkpoint in, NDManager m) {
        return InstructBlipInputs.builder()
                .pixelValues(in.load("pixel_values", m))
                .qformerInputIds(in.load("qformer_input_ids", m))
                .qformerAttentionMask(in.load("qformer_attention_mask", m))
                .inputIds(in.load("input_ids", m))
                .attentionMask(in.load("attention_mask", m))
                .labels(in.load("labels", m))
                .build();
    }

    static double maxAbsDiff(float[] x, float[] y) {
        assertEquals(x.length, y.length);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        return worst;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ia3-t5", "dora-t5"})
    void aPeftWrittenAdapterReproducesTheReferenceLogits(String name) throws Exception {
        Path adapter = resourceDir("/peft-reference/" + name + "/adapter_config.json");
        try (InstructBlip base = InstructBlip.load(model());
                PeftModel<InstructBlip> peft = Peft.load(base, adapter, false);
                Checkpoint in = Checkpoint.open(model().resolve("inputs.safetensors"));
                Checkpoint expected = Checkpoint.open(adapter.resolve("expected.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            LoadReport report = peft.loadReport("default").orElseThrow();
            assertEquals(List.of(), report.missing(), name + ": every tensor the config implies is in the file");
            assertEquals(List.of(), report.unexpected(), name + ": every tensor of the file is used");
            float[] base0;
            try (AdaptersDisabled off = peft.disableAdapters()) {
                base0 = peft.model().forward(inputs(in, m)).logits().toFloatArray();
            }
            var out = peft.model().forward(inputs(in, m));
            float[] want = expected.load("logits", m).toFloatArray();
            double diff = maxAbsDiff(want, out.logits().toFloatArray());
            assertTrue(diff <= 1e-4, name + ": logits differ from the reference by " + diff);
            System.out.printf("%s: max |logit - reference| = %.3g over %d logits%n", name, diff, want.length);
            assertTrue(maxAbsDiff(want, base0) > 0.5, name + ": the adapter matters (the reference differs from the base model)");
            assertEquals(expected.load("loss", m).getFloat(), out.loss().orElseThrow().getFloat(), 1e-5, name + " loss");
        }
    }

    @Test
    void savingALoadedPeftAdapterGivesBackPeftsFiles() throws Exception {
        for (String name : new String[] {"ia3-t5", "dora-t5"}) {
            Path adapter = resourceDir("/peft-reference/" + name + "/adapter_config.json");
            Path again = tmp.resolve(name);
            try (InstructBlip base = InstructBlip.load(model()); PeftModel<InstructBlip> peft = Peft.load(base, adapter, false)) {
                peft.save(again);
            }
            assertEquals(sortedLists(Json.read(adapter.resolve(AdapterFiles.CONFIG))), sortedLists(Json.read(again.resolve(AdapterFiles.CONFIG))),
                    name + ": the same adapter_config.json (PEFT writes sets, so list order is free)");
            try (Checkpoint a = Checkpoint.open(adapter.resolve(AdapterFiles.WEIGHTS)); Checkpoint b = Checkpoint.open(again.resolve(AdapterFiles.WEIGHTS));
                    NDManager m = NDManager.newBaseManager()) {
                assertEquals(a.names(), b.names(), name);
                assertEquals("pt", b.metadata().get("format"));
                for (String k : a.names()) {
                    assertEquals(0.0, maxAbsDiff(a.load(k, m).toFloatArray(), b.load(k, m).toFloatArray()), name + " " + k);
                }
            }
        }
    }

    /** A copy whose list values are sorted. */
    private static JsonNode sortedLists(JsonNode config) {
        ObjectNode out = config.deepCopy();
        config.fields().forEachRemaining(e -> {
            if (e.getValue().isArray()) {
                List<String> values = new ArrayList<>();
                e.getValue().forEach(v -> values.add(v.asText()));
                values.sort(null);
                ArrayNode a = out.putArray(e.getKey());
                values.forEach(a::add);
            }
        });
        return out;
    }

    @Test
    void adaptersWrittenHereGiveTheLogitsTheReferenceComputesFromThem() throws Exception {
        Assumptions.assumeTrue(NumpyReferenceTest.pythonWithNumpy(), "needs python3 with numpy: none found on this machine");
        Map<String, Function<InstructBlip, PeftModel<InstructBlip>>> adapters = Map.of(
                "ia3", b -> Peft.ia3().target(Component.QFORMER_ALL, Component.LLM_ALL).init(false).seed(2)
                        .train(Component.LANGUAGE_PROJECTION).on(b),
                "dora", b -> Peft.lora().rank(2).alpha(3).dora(true).init(InitLoraWeights.RANDOM).seed(4)
                        .target(Component.QFORMER_CROSS_ATTN, Component.LLM_ATTN).on(b));
        for (Map.Entry<String, Function<InstructBlip, PeftModel<InstructBlip>>> e : adapters.entrySet()) {
            Path dir = tmp.resolve("written-" + e.getKey());
            Path logits = tmp.resolve(e.getKey() + "-logits.safetensors");
            try (InstructBlip base = InstructBlip.load(model()); PeftModel<InstructBlip> peft = e.getValue().apply(base);
                    Checkpoint in = Checkpoint.open(model().resolve("inputs.safetensors")); NDManager m = NDManager.newBaseManager()) {
                // move every vector and magnitude away from its start, so the file carries trained-looking values
                peft.adapterTensors("default").forEach((k, v) -> {
                    if (k.endsWith(".ia3_l") || k.endsWith(".lora_magnitude_vector")) {
                        v.muli(1.25f);
                    } else if (k.contains("language_projection")) {
                        v.addi(0.05f);
                    }
                });
                NDArray out = peft.model().forward(inputs(in, m)).logits();
                SafetensorsWriter.write(logits, Map.of("logits", out));
                peft.save(dir);
            }
            String result = python("check", model().toString(), dir.toString(), logits.toString());
            assertTrue(result.startsWith("OK "), e.getKey() + ": " + result);
            System.out.printf("%s written here, reference says: %s", e.getKey(), result);
        }
    }

    private static String python(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("python3", Path.of("src/test/python/ia3_dora_reference.py").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "reference finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
