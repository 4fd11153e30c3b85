package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.samples.serve.DemoAdapters;
import dev.mmpeft.samples.serve.HttpLimits;
import dev.mmpeft.serving.ServingConfig;
import dev.mmpeft.serving.ServingRequest;
import dev.mmpeft.serving.ServingResult;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sample service over a real HTTP server on loopback ({@code ServedModel}: the embedded default
 * model, the five demo adapters, the JDK's HTTP server on a free port), called with the JDK's HTTP
 * client: every endpoint, answers equal to the engine's own answer for the same request, the
 * OpenAI-compatible endpoint equal to the native one, adapters unloaded and loaded at run time, and
 * every kind of bad input refused with a 4xx JSON error naming the problem while the service keeps
 * serving.
 */
class ServeCommandTest {
    private static final HttpLimits LIMITS = new HttpLimits(256 << 10, 64 << 10, 512);
    private static final int MAX_NEW_TOKENS = 16;
    private static final int MAX_PROMPT_TOKENS = 64;

    private static Path adapters;
    private static ServedModel served;
    private static HttpClient client;
    private static List<DemoAdapters.Question> questions;

    @BeforeAll
    static void start() throws Exception {
        adapters = Files.createTempDirectory("mmpeft-serve-test-");
        ServingConfig config = ServingConfig.builder().maxBatchSize(8).maxWait(Duration.ofMillis(20)).maxNewTokens(MAX_NEW_TOKENS)
                .maxPromptTokens(MAX_PROMPT_TOKENS).build();
        served = ServedModel.start(null, null, adapters, true, config, LIMITS, "127.0.0.1", 0, 8,
                new PrintStream(PrintStream.nullOutputStream()));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        questions = DemoAdapters.questions(served.model.config().visionConfig().imageSize());
    }

    @AfterAll
    static void stop() throws IOException {
        if (served != null) {
            served.close();
        }
        if (adapters != null) {
            AtomicFiles.deleteRecursively(adapters);
        }
    }

    @Test
    void healthModelsAdaptersAndMetricsDescribeTheService() throws Exception {
        JsonNode health = json(get("/health"), 200);
        assertEquals("ok", health.path("status").asText());
        assertEquals("mmpeft-tiny-instructblip-flan-t5", health.path("base_model").asText());
        assertTrue(health.path("rss_bytes").asLong() > 50_000_000L, health.toString());

        JsonNode models = json(get("/v1/models"), 200);
        List<String> ids = new ArrayList<>();
        models.path("data").forEach(m -> ids.add(m.path("id").asText()));
        assertEquals("mmpeft-tiny-instructblip-flan-t5", ids.get(0), "the base model comes first");
        assertTrue(ids.containsAll(List.of("lora-1", "lora-2", "lora-3", "ia3-1")), ids.toString());
        assertEquals("mmpeft-tiny-instructblip-flan-t5", models.path("data").get(1).path("parent").asText());

        JsonNode list = json(get("/v1/adapters"), 200);
        boolean ia3 = false;
        for (JsonNode a : list.path("adapters")) {
            if (a.path("name").asText().equals("ia3-1")) {
                assertEquals("IA3", a.path("peft_type").asText());
                assertEquals(adapters.resolve("ia3-1").toString(), a.path("directory").asText());
                ia3 = true;
            }
        }
        assertTrue(ia3, list.toString());

        generate(body(Optional.of("lora-1"), 0), 200);
        HttpResponse<String> metrics = get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        for (String family : List.of("mmpeft_requests_total{outcome=\"ok\"}", "mmpeft_request_duration_seconds_bucket{le=\"+Inf\"}",
                "mmpeft_batch_size_count", "mmpeft_adapters_resident", "mmpeft_adapter_evictions_total",
                "mmpeft_http_responses_total{status=\"200\",path=\"/v1/generate\"}", "process_resident_memory_bytes")) {
            assertTrue(metrics.body().contains("\n" + family + " ") || metrics.body().contains("\n" + family),
                    family + " missing:\n" + metrics.body());
        }
        assertTrue(metric(metrics.body(), "mmpeft_requests_total{outcome=\"ok\"}") >= 1);
        assertEquals(metric(metrics.body(), "mmpeft_request_duration_seconds_count"),
                metric(metrics.body(), "mmpeft_request_duration_seconds_bucket{le=\"+Inf\"}"));
    }

    @Test
    void eachAdapterAnswersOverHttpAsTheEngineAnswersTheSameRequest() throws Exception {
        List<String> texts = new ArrayList<>();
        for (Optional<String> adapter : List.of(Optional.<String>empty(), Optional.of("lora-1"), Optional.of("lora-2"),
                Optional.of("lora-3"), Optional.of("ia3-1"))) {
            JsonNode http = generate(body(adapter, 1), 200);
            ServingResult direct = served.engine.answer(ServingRequest.builder().adapter(adapter).prompt(questions.get(1).prompt())
                    .image(questions.get(1).image()).maxNewTokens(MAX_NEW_TOKENS).build());
            assertEquals(direct.text(), http.path("text").asText(), adapter.toString());
            assertEquals(direct.tokens().toString(), http.path("tokens").toString().replace(",", ", "), adapter.toString());
            assertEquals(adapter.orElse(null), http.path("adapter").isNull() ? null : http.path("adapter").asText());
            JsonNode t = http.path("timings_ms");
            assertTrue(t.path("total").asDouble() >= t.path("compute").asDouble() && t.path("compute").asDouble() > 0, t.toString());
            texts.add(http.path("text").asText() + http.path("tokens"));
        }
        // the demo adapters are distinct: at least three different answers among the five
        assertTrue(texts.stream().distinct().count() >= 3, texts.toString());
    }

    @Test
    void choicesAreRankedByLossAndTheBestIsTheAnswer() throws Exception {
        ObjectNode body = body(Optional.of("lora-2"), 2);
        body.putArray("choices").add("red").add("blue").add("green");
        JsonNode out = generate(body, 200);
        JsonNode scores = out.path("scores");
        assertEquals(3, scores.size(), out.toString());
        int best = 0;
        for (int i = 1; i < 3; i++) {
            best = scores.get(i).asDouble() < scores.get(best).asDouble() ? i : best;
        }
        assertEquals(List.of("red", "blue", "green").get(best), out.path("text").asText());
        assertEquals(0, out.path("tokens").size());
    }

    @Test
    void openAiChatWithADataUrlImageAnswersAsTheNativeEndpoint() throws Exception {
        for (String model : List.of("lora-3", "ia3-1", "mmpeft-tiny-instructblip-flan-t5")) {
            Optional<String> adapter = model.startsWith("mmpeft") ? Optional.empty() : Optional.of(model);
            JsonNode nativeAnswer = generate(body(adapter, 3), 200);
            JsonNode chat = json(post("/v1/chat/completions", chat(model, 3, false).toString()), 200);
            assertEquals("chat.completion", chat.path("object").asText());
            assertEquals(model, chat.path("model").asText());
            JsonNode message = chat.path("choices").get(0).path("message");
            assertEquals("assistant", message.path("role").asText());
            assertEquals(nativeAnswer.path("text").asText(), message.path("content").asText(), model);
            assertEquals(nativeAnswer.path("tokens").size(), chat.path("usage").path("completion_tokens").asInt(), model);
        }
        HttpResponse<String> stream = post("/v1/chat/completions", chat("lora-3", 3, true).toString());
        assertEquals(200, stream.statusCode());
        assertEquals("text/event-stream", stream.headers().firstValue("Content-Type").orElse(""));
        List<String> events = stream.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertEquals("[DONE]", events.get(events.size() - 1));
        assertEquals(generate(body(Optional.of("lora-3"), 3), 200).path("text").asText(),
                Json.parse(events.get(0), "chunk").path("choices").get(0).path("delta").path("content").asText());
        JsonNode unknown = json(post("/v1/chat/completions", chat("no-such-model", 3, false).toString()), 404);
        assertEquals("model_not_found", unknown.path("error").path("code").asText());
    }

    @Test
    void adaptersUnloadAndLoadAtRunTimeWithTheSameAnswers() throws Exception {
        ObjectNode request = body(Optional.of(DemoAdapters.CHURN), 4);
        JsonNode before = generate(request, 200);
        assertEquals(DemoAdapters.CHURN, json(delete("/v1/adapters/" + DemoAdapters.CHURN), 200).path("unloaded").asText());
        assertError(generate(request, 404), "unknown_adapter", "no adapter named '" + DemoAdapters.CHURN + "'");
        assertError(json(delete("/v1/adapters/" + DemoAdapters.CHURN), 404), "unknown_adapter", DemoAdapters.CHURN);
        JsonNode loaded = json(post("/v1/adapters/" + DemoAdapters.CHURN, ""), 201);
        assertEquals("LORA", loaded.path("peft_type").asText());
        assertTrue(loaded.path("resident").asBoolean());
        JsonNode after = generate(request, 200);
        assertEquals(before.path("text").asText(), after.path("text").asText());
        assertEquals(before.path("tokens"), after.path("tokens"));
        assertError(json(post("/v1/adapters/" + DemoAdapters.CHURN, ""), 409), "adapter_exists", DemoAdapters.CHURN);
        assertError(json(post("/v1/adapters/absent", ""), 422), "invalid_adapter", "absent");
        assertError(json(post("/v1/adapters/a.b", ""), 400), "invalid_adapter_name", "'a.b'");
    }

    @Test
    void anAdapterOfAnotherBaseModelIsRefusedByName() throws Exception {
        Path copy = adapters.resolve("other-base");
        Files.createDirectories(copy);
        for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
            Files.copy(adapters.resolve("lora-1").resolve(f), copy.resolve(f));
        }
        ObjectNode config = (ObjectNode) Json.read(copy.resolve("adapter_config.json"));
        config.put("base_model_name_or_path", "Salesforce/instructblip-flan-t5-xl");
        Files.writeString(copy.resolve("adapter_config.json"), config.toString());
        JsonNode refused = json(post("/v1/adapters/other-base", ""), 422);
        assertError(refused, "adapter_mismatch", "Salesforce/instructblip-flan-t5-xl");
        assertTrue(refused.path("error").path("message").asText().contains("mmpeft-tiny-instructblip-flan-t5"), refused.toString());
        assertEquals(200, get("/health").statusCode());
    }

    @Test
    void badRequestsGetA4xxJsonErrorNamingTheProblemAndTheServiceKeepsServing() throws Exception {
        JsonNode reference = generate(body(Optional.of("lora-2"), 5), 200);

        assertError(json(post("/v1/generate", "{\"prompt\": \"x\", "), 400), "invalid_json", "not valid JSON");
        assertError(json(post("/v1/generate", "[1, 2]"), 400), "invalid_json", "found array");
        ObjectNode noPrompt = body(Optional.empty(), 5);
        noPrompt.remove("prompt");
        assertError(generate(noPrompt, 400), "missing_field", "'prompt'");
        assertError(generate(body(Optional.empty(), 5).put("promt", "typo"), 400), "unknown_field", "'promt'");
        assertError(generate(body(Optional.empty(), 5).put("max_new_tokens", "ten"), 400), "invalid_field", "'max_new_tokens'");
        assertError(generate(body(Optional.of("nope"), 5), 404), "unknown_adapter", "'nope'");
        assertError(generate(body(Optional.empty(), 5).put("max_new_tokens", 1000), 400), "too_many_tokens",
                "max_new_tokens 1000 exceeds this service's limit " + MAX_NEW_TOKENS);
        assertError(generate(body(Optional.empty(), 5).put("prompt", "word ".repeat(200)), 400), "too_many_tokens",
                "limit of " + MAX_PROMPT_TOKENS);
        assertError(generate(body(Optional.empty(), 5).put("num_beams", 0), 400), "invalid_field", "num_beams must be >= 1");
        assertError(generate(body(Optional.empty(), 5).put("image", "not base64!"), 400), "invalid_image", "'image'");
        assertError(generate(body(Optional.empty(), 5).put("image", Base64.getEncoder().encodeToString(
                "GIF89a not an image".getBytes(StandardCharsets.US_ASCII))), 400), "invalid_image", "'image'");
        assertError(generate(body(Optional.empty(), 5).put("image", png(new BufferedImage(600, 8, BufferedImage.TYPE_INT_RGB))), 413),
                "image_too_large", "600x8 pixels");
        assertError(generate(body(Optional.empty(), 5).put("image", Base64.getEncoder().encodeToString(new byte[100 << 10])), 413),
                "image_too_large", "limit of " + (64 << 10) + " bytes");
        assertError(json(post("/v1/generate", "{\"prompt\": \"" + "x".repeat(300 << 10) + "\"}"), 413), "body_too_large",
                "limit of " + (256 << 10) + " bytes");
        assertError(json(get("/v1/generate"), 405), "method_not_allowed", "expected POST");
        assertError(json(get("/v2/nothing"), 404), "not_found", "/v2/nothing");
        assertError(json(post("/v1/chat/completions", "{\"model\": \"lora-1\", \"messages\": []}"), 400), "invalid_field",
                "'messages'");
        ObjectNode remoteImage = chat("lora-1", 5, false);
        ((ObjectNode) remoteImage.path("messages").get(0).path("content").get(1).path("image_url")).put("url", "https://example.com/a.png");
        assertError(json(post("/v1/chat/completions", remoteImage.toString()), 400), "invalid_image", "not fetched");

        JsonNode again = generate(body(Optional.of("lora-2"), 5), 200);
        assertEquals(reference.path("text").asText(), again.path("text").asText());
        assertEquals(reference.path("tokens"), again.path("tokens"));
        String metrics = get("/metrics").body();
        assertTrue(metric(metrics, "mmpeft_http_responses_total{status=\"400\",path=\"/v1/generate\"}") >= 8, metrics);
        assertTrue(metric(metrics, "mmpeft_http_responses_total{status=\"413\",path=\"/v1/generate\"}") >= 3, metrics);
    }

    @Test
    void concurrentRequestsForDifferentAdaptersShareBatchesAndEachGetsItsOwnAnswer() throws Exception {
        List<String> names = List.of("lora-1", "lora-2", "lora-3", "ia3-1");
        List<JsonNode> alone = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            alone.add(generate(body(Optional.of(names.get(i % 4)), i), 200));
        }
        List<CompletableFuture<HttpResponse<String>>> together = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            together.add(client.sendAsync(request("/v1/generate").POST(HttpRequest.BodyPublishers.ofString(
                    body(Optional.of(names.get(i % 4)), i).toString())).build(), HttpResponse.BodyHandlers.ofString()));
        }
        int largest = 0;
        for (int i = 0; i < 8; i++) {
            JsonNode out = json(together.get(i).get(), 200);
            assertEquals(alone.get(i).path("text").asText(), out.path("text").asText(), "request " + i);
            assertEquals(alone.get(i).path("tokens"), out.path("tokens"), "request " + i);
            largest = Math.max(largest, out.path("batch_size").asInt());
        }
        assertTrue(largest > 1, "eight concurrent requests never shared a batch");
    }

    // --- helpers

    private static ObjectNode body(Optional<String> adapter, int question) throws IOException {
        ObjectNode body = Json.mapper().createObjectNode();
        if (adapter.isPresent()) {
            body.put("adapter", adapter.get());
        } else {
            body.putNull("adapter");
        }
        body.put("prompt", questions.get(question).prompt());
        body.put("image", png(questions.get(question).image().toBufferedImage()));
        body.put("max_new_tokens", MAX_NEW_TOKENS);
        return body;
    }

    private static ObjectNode chat(String model, int question, boolean stream) throws IOException {
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("model", model);
        body.put("max_tokens", MAX_NEW_TOKENS);
        body.put("stream", stream);
        ObjectNode user = body.putArray("messages").addObject();
        user.put("role", "user");
        var content = user.putArray("content");
        content.addObject().put("type", "text").put("text", questions.get(question).prompt());
        content.addObject().put("type", "image_url").putObject("image_url")
                .put("url", "data:image/png;base64," + png(questions.get(question).image().toBufferedImage()));
        return body;
    }

    static String png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, "png", out));
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private static JsonNode generate(ObjectNode body, int status) throws Exception {
        return json(post("/v1/generate", body.toString()), status);
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(served.server.uri() + path)).timeout(Duration.ofSeconds(60));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> delete(String path) throws Exception {
        return client.send(request(path).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response, int status) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), response.headers().toString());
        return Json.parse(response.body(), response.uri().toString());
    }

    private static void assertError(JsonNode body, String code, String messagePart) {
        JsonNode error = body.path("error");
        assertEquals(code, error.path("code").asText(), body.toString());
        assertEquals("invalid_request_error", error.path("type").asText(), body.toString());
        assertTrue(error.path("message").asText().contains(messagePart), "'" + messagePart + "' not in " + body);
    }

    private static double metric(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError(name + " not in:\n" + text);
    }
}
