package dev.mmpeft.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.peft.format.AdapterFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's registry, limits and queue on the tiny model: least-recently-used eviction and
 * reload with the same answers, adapters for another base model refused by name, limits refused
 * with their reason while the engine keeps serving, a full queue, timeouts and cancellation, an
 * adapter that cannot share a batch answered in a batch of its own, and base weights never changed.
 */
class ServingEngineTest {
    @TempDir Path tmp;

    static ServingRequest request(String adapter, int seed) {
        return ServingRequest.builder().adapter(Optional.ofNullable(adapter)).prompt("what is in the image ?")
                .image(ServingFixtures.image(seed)).maxNewTokens(6).build();
    }

    static ServingException failure(CompletableFuture<ServingResult> f) {
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertTrue(e.getCause() instanceof ServingException, String.valueOf(e.getCause()));
        return (ServingException) e.getCause();
    }

    static Map<String, float[]> snapshot(InstructBlip model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            out.put(e.getKey(), e.getValue().getArray().toFloatArray());
        }
        return out;
    }

    @Test
    void leastRecentlyUsedAdapterIsEvictedAndReloadsWithTheSameAnswers() throws Exception {
        Map<String, float[]> before = snapshot(ServingFixtures.model());
        ServingConfig two = ServingConfig.builder().maxBatchSize(1).maxResidentAdapters(2).build();
        try (ServingEngine engine = ServingEngine.builder().model(ServingFixtures.model()).processor(ServingFixtures.processor())
                .baseModelName(ServingFixtures.BASE_NAME).config(two).build()) {
            Map<String, Path> dirs = ServingFixtures.adapters();
            engine.loadAdapter("lora-a", dirs.get("lora-a"));
            engine.loadAdapter("lora-b", dirs.get("lora-b"));
            engine.registerAdapter("ia3", dirs.get("ia3"));
            assertEquals(List.of(false, true, true), engine.adapters().stream().map(AdapterInfo::resident).toList(),
                    "sorted by name: ia3 registered only, lora-a and lora-b loaded");
            ServingResult first = engine.answer(request("lora-a", 1));
            engine.answer(request("lora-b", 1));
            ServingResult ia3 = engine.answer(request("ia3", 1)); // loads ia3, evicts lora-a (least recently used)
            assertEquals("IA3", engine.adapters().get(0).peftType());
            assertEquals(1, engine.metrics().evictions());
            assertEquals(Map.of("ia3", true, "lora-a", false, "lora-b", true), resident(engine));
            ServingResult again = engine.answer(request("lora-a", 1)); // reloads lora-a, evicts lora-b
            assertEquals(first.tokens(), again.tokens(), "reloaded after eviction: the same answer");
            assertEquals(Map.of("ia3", true, "lora-a", true, "lora-b", false), resident(engine));
            assertEquals(2, engine.metrics().evictions());
            assertEquals(4, engine.metrics().adapterLoads());
            assertEquals(2, engine.metrics().residentAdapters());
            assertTrue(ia3.totalMillis() >= ia3.computeMillis() && ia3.computeMillis() > 0, ia3.toString());
            assertTrue(engine.unloadAdapter("ia3"));
            assertFalse(engine.unloadAdapter("ia3"));
            ServingException gone = failure(engine.submit(request("ia3", 1)));
            assertEquals(ServingException.Reason.UNKNOWN_ADAPTER, gone.reason());
            assertTrue(gone.getMessage().contains("no adapter named 'ia3'; registered: [lora-a, lora-b]"), gone.getMessage());
            String text = engine.metrics().prometheusText();
            assertTrue(text.contains("mmpeft_adapter_evictions_total 2\n"), text);
            assertTrue(text.contains("mmpeft_requests_total{outcome=\"ok\"} 4\n"), text);
            assertTrue(text.contains("mmpeft_requests_total{outcome=\"rejected\"} 1\n"), text);
            assertTrue(text.contains("mmpeft_batch_size_bucket{le=\"1\"} 4\n"), text);
        }
        Map<String, float[]> after = snapshot(ServingFixtures.model());
        before.forEach((k, v) -> assertArrayEquals(v, after.get(k), k + " of the base model unchanged"));
    }

    static Map<String, Boolean> resident(ServingEngine engine) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        engine.adapters().forEach(a -> out.put(a.name(), a.resident()));
        return out;
    }

    @Test
    void adaptersForAnotherBaseModelAreRefusedByName() throws Exception {
        Path other = tmp.resolve("other-id");
        copy(ServingFixtures.adapters().get("lora-b"), other);
        ObjectNode config = (ObjectNode) Json.read(other.resolve(AdapterFiles.CONFIG));
        config.put("base_model_name_or_path", "Salesforce/instructblip-flan-t5-xl");
        Files.writeString(other.resolve(AdapterFiles.CONFIG), config.toString());
        // the same id, but a tensor of another shape (as an adapter made on a wider model has)
        Path shapes = tmp.resolve("other-shapes");
        try (PeftModel<InstructBlip> peft = Peft.load(ServingFixtures.model(), ServingFixtures.adapters().get("lora-b"));
                ai.djl.ndarray.NDManager scope = ai.djl.ndarray.NDManager.newBaseManager()) {
            Map<String, ai.djl.ndarray.NDArray> tensors = new LinkedHashMap<>(peft.adapterTensors(PeftModel.DEFAULT_ADAPTER));
            String first = tensors.keySet().iterator().next();
            tensors.put(first, scope.zeros(new ai.djl.ndarray.types.Shape(4, 7)));
            AdapterFiles.write(shapes, peft.config(PeftModel.DEFAULT_ADAPTER), tensors);
        }
        try (ServingEngine engine = ServingFixtures.engine(ServingConfig.builder().maxBatchSize(1).build())) {
            ServingException id = assertThrows(ServingException.class, () -> engine.loadAdapter("other", other));
            assertEquals(ServingException.Reason.ADAPTER_MISMATCH, id.reason());
            assertTrue(id.getMessage().contains("trained on 'Salesforce/instructblip-flan-t5-xl'")
                    && id.getMessage().contains("serves '" + ServingFixtures.BASE_NAME + "'"), id.getMessage());
            ServingException shape = assertThrows(ServingException.class, () -> engine.loadAdapter("shapes", shapes));
            assertEquals(ServingException.Reason.ADAPTER_MISMATCH, shape.reason());
            assertTrue(shape.getMessage().contains("adapter 'shapes' does not fit") && shape.getMessage().contains("[4, 7]"),
                    shape.getMessage());
            ServingException missing = assertThrows(ServingException.class, () -> engine.loadAdapter("nothing", tmp.resolve("none")));
            assertEquals(ServingException.Reason.INVALID_ADAPTER, missing.reason());
            assertTrue(missing.getMessage().contains("has no adapter_config.json"), missing.getMessage());
            ServingException name = assertThrows(ServingException.class, () -> engine.loadAdapter("../x", other));
            assertEquals(ServingException.Reason.BAD_REQUEST, name.reason());
            ServingException taken = assertThrows(ServingException.class, () -> engine.loadAdapter("ia3", other));
            assertEquals(ServingException.Reason.ADAPTER_EXISTS, taken.reason());
            assertEquals(List.of("ia3", "lora-a", "lora-b", "lora-c"), engine.adapters().stream().map(AdapterInfo::name).toList(),
                    "nothing refused was registered");
            assertFalse(engine.answer(request("lora-a", 2)).tokens().isEmpty(), "and it keeps serving");
        }
    }

    static void copy(Path from, Path to) throws java.io.IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    @Test
    void limitsAreRefusedWithTheirReasonAndTheEngineKeepsServing() throws Exception {
        ServingConfig small = ServingConfig.builder().maxBatchSize(4).maxPromptTokens(8).maxNewTokens(10).maxBeams(2)
                .maxChoices(3).build();
        try (ServingEngine engine = ServingFixtures.engine(small)) {
            CompletableFuture<ServingResult> longPrompt = engine.submit(request(null, 1).toBuilder()
                    .prompt("what is in the image ? what is in the image ? what color").build());
            CompletableFuture<ServingResult> manyTokens = engine.submit(request(null, 1).toBuilder().maxNewTokens(11).build());
            CompletableFuture<ServingResult> beams = engine.submit(request(null, 1).toBuilder().numBeams(3).build());
            CompletableFuture<ServingResult> choices = engine.submit(request(null, 1).toBuilder().choices(List.of("a", "b", "c", "d")).build());
            CompletableFuture<ServingResult> fine = engine.submit(request("lora-c", 1));
            ServingException prompt = failure(longPrompt);
            assertEquals(ServingException.Reason.TOO_MANY_TOKENS, prompt.reason());
            assertTrue(prompt.getMessage().contains("the prompt has 15 tokens, more than this service's limit of 8"), prompt.getMessage());
            assertEquals(ServingException.Reason.TOO_MANY_TOKENS, failure(manyTokens).reason());
            assertTrue(failure(beams).getMessage().contains("num_beams 3 exceeds this service's limit 2"));
            assertTrue(failure(choices).getMessage().contains("4 choices exceed this service's limit 3"));
            assertFalse(fine.get().tokens().isEmpty());
            assertEquals(4, engine.metrics().requests(ServingMetrics.Outcome.REJECTED));
            ServingException bad = assertThrows(ServingException.class, () -> request(null, 1).toBuilder().maxNewTokens(0).build());
            assertTrue(bad.getMessage().contains("max_new_tokens must be >= 1, got 0"), bad.getMessage());
        }
    }

    @Test
    void aFullQueueTimeoutsAndCancellationAreAnsweredWithoutStoppingTheWorker() throws Exception {
        ServingConfig tiny = ServingConfig.builder().maxBatchSize(1).queueCapacity(2).build();
        try (ServingEngine engine = ServingFixtures.engine(tiny)) {
            List<CompletableFuture<ServingResult>> burst = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                burst.add(engine.submit(request("lora-a", i).toBuilder().maxNewTokens(20).build()));
            }
            int full = 0;
            int answered = 0;
            for (CompletableFuture<ServingResult> f : burst) {
                try {
                    f.get();
                    answered++;
                } catch (ExecutionException e) {
                    assertEquals(ServingException.Reason.QUEUE_FULL, ((ServingException) e.getCause()).reason());
                    assertTrue(e.getCause().getMessage().contains("queue is full (2 requests waiting, queue_capacity)"));
                    full++;
                }
            }
            assertTrue(full >= 6 && answered >= 2, "full " + full + ", answered " + answered);
            assertEquals(full, engine.metrics().requests(ServingMetrics.Outcome.QUEUE_FULL));

            ServingException late = failure(engine.submit(request("ia3", 1).toBuilder().timeout(Duration.ofNanos(1)).build()));
            assertEquals(ServingException.Reason.TIMEOUT, late.reason());
            assertTrue(late.getMessage().contains("no answer within 0 ms"), late.getMessage());

            CompletableFuture<ServingResult> running = engine.submit(request("lora-b", 1).toBuilder().maxNewTokens(30).build());
            CompletableFuture<ServingResult> cancelled = engine.submit(request("lora-b", 2));
            assertTrue(cancelled.cancel(true));
            assertFalse(running.get().tokens().isEmpty(), "the other request is answered");
            assertTrue(cancelled.isCancelled());
            ServingResult after = engine.answer(request("lora-b", 2));
            assertFalse(after.tokens().isEmpty(), "the worker keeps serving");
            assertEquals(1, engine.metrics().requests(ServingMetrics.Outcome.TIMEOUT));
        }
    }

    @Test
    void anAdapterThatCannotShareABatchRunsInABatchOfItsOwnWithTheSameAnswers() throws Exception {
        Path prefix = tmp.resolve("prefix");
        try (PeftModel<InstructBlip> peft = Peft.prefix().numVirtualTokens(3)
                .on(Adaptables.instructBlip(ServingFixtures.model(), ServingFixtures.processor(), ServingFixtures.BASE_NAME))) {
            ServingFixtures.randomize(peft.adapterTensors(PeftModel.DEFAULT_ADAPTER), 5);
            peft.save(prefix, PeftModel.DEFAULT_ADAPTER);
        }
        List<ServingRequest> requests = List.of(request("prefix", 1), request("lora-a", 2), request(null, 3), request("prefix", 4));
        List<ServingResult> mixed = new ArrayList<>();
        try (ServingEngine engine = ServingFixtures.engine(ServingConfig.builder().maxBatchSize(4).maxWait(Duration.ofSeconds(5)).build())) {
            engine.loadAdapter("prefix", prefix);
            List<CompletableFuture<ServingResult>> futures = new ArrayList<>();
            requests.forEach(r -> futures.add(engine.submit(r)));
            for (CompletableFuture<ServingResult> f : futures) {
                mixed.add(f.get());
            }
        }
        assertEquals(List.of(2, 2, 2, 2), mixed.stream().map(ServingResult::batchSize).toList(),
                "prefix rows together, lora-a and base rows together");
        try (ServingEngine engine = ServingFixtures.engine(ServingConfig.builder().maxBatchSize(1).build())) {
            engine.loadAdapter("prefix", prefix);
            for (int i = 0; i < requests.size(); i++) {
                assertEquals(engine.answer(requests.get(i)).tokens(), mixed.get(i).tokens(), "request " + i);
            }
        }
    }
}
