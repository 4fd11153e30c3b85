package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.samples.quickstart.DefaultModel;
import dev.mmpeft.samples.serve.DemoAdapters;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./mmpeft serve} in a JVM of its own, killed with SIGKILL while requests and an adapter
 * unload/load are in flight, then started again on the same adapter folder: every adapter file is
 * still there byte for byte, and the restarted service gives the same answers as before the kill.
 */
class ServeKillRestartTest {
    private static final Pattern LISTENING = Pattern.compile("serving \\S+ on (http://[0-9.]+:[0-9]+)");
    private static final List<String> ADAPTERS = List.of("lora-1", "lora-2", "lora-3", "ia3-1", DemoAdapters.CHURN);

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aKilledServiceLosesNoAdapterFileAndAnswersTheSameAfterARestart(@TempDir Path dir) throws Exception {
        Path adapters = dir.resolve("adapters");
        int imageSize = Json.read(DefaultModel.directory().resolve("config.json")).path("vision_config").path("image_size").asInt();
        List<DemoAdapters.Question> questions = DemoAdapters.questions(imageSize);
        Map<String, String> before;
        List<String> answers = new ArrayList<>();
        Process first = start(adapters, dir.resolve("first.log"));
        try {
            URI uri = awaitListening(first, dir.resolve("first.log"));
            before = hashes(adapters);
            assertEquals(ADAPTERS.size() * 2, before.size(), "config + weights per adapter: " + before.keySet());
            for (int i = 0; i < ADAPTERS.size(); i++) {
                answers.add(answer(uri, ADAPTERS.get(i), questions.get(i)));
            }
            // four clients keep requests in flight, a fifth thread unloads and loads an adapter; then SIGKILL
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger completed = new AtomicInteger();
            AtomicInteger cutOff = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                int id = c;
                threads.add(daemon(() -> {
                    while (!stop.get()) {
                        try {
                            answer(uri, ADAPTERS.get(id), questions.get(id));
                            completed.incrementAndGet();
                        } catch (IOException | RuntimeException e) {
                            cutOff.incrementAndGet();
                            return;
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            threads.add(daemon(() -> {
                URI churn = uri.resolve("/v1/adapters/" + DemoAdapters.CHURN);
                for (int k = 0; !stop.get(); k++) {
                    HttpRequest.Builder b = HttpRequest.newBuilder(churn).timeout(Duration.ofSeconds(30));
                    try {
                        client.send(k % 2 == 0 ? b.DELETE().build() : b.POST(HttpRequest.BodyPublishers.noBody()).build(),
                                HttpResponse.BodyHandlers.ofString());
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            }));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (completed.get() < 12 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(completed.get() >= 12, "the load never got going: " + Files.readString(dir.resolve("first.log")));
            first.destroyForcibly(); // SIGKILL on Linux: no shutdown hook runs
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
            }
            assertEquals(137, first.exitValue(), "killed by SIGKILL");
            assertTrue(cutOff.get() >= 1, "no request was in flight when the service was killed");
        } finally {
            first.destroyForcibly();
        }
        assertEquals(before, hashes(adapters), "the adapter folder changed across the kill");

        Process second = start(adapters, dir.resolve("second.log"));
        try {
            URI uri = awaitListening(second, dir.resolve("second.log"));
            String log = Files.readString(dir.resolve("second.log"));
            assertFalse(log.contains("wrote the demo adapters"), "the restart must reuse the adapter files:\n" + log);
            assertTrue(log.contains("5 adapters registered"), log);
            for (int i = 0; i < ADAPTERS.size(); i++) {
                assertEquals(answers.get(i), answer(uri, ADAPTERS.get(i), questions.get(i)), ADAPTERS.get(i));
            }
            assertEquals(before, hashes(adapters));
        } finally {
            second.destroyForcibly();
            second.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static Thread daemon(Runnable body) {
        Thread t = new Thread(body, "kill-test-client");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static Process start(Path adapters, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx1g", "-Doffline=true", "-Dai.djl.pytorch.num_threads=1", "-cp",
                System.getProperty("java.class.path"), MmpeftCli.class.getName(), "serve", "--adapters", adapters.toString(),
                "--demo-adapters", "--port", "0", "--max-wait-ms", "5");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        return pb.start();
    }

    private static URI awaitListening(Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                return URI.create(m.group(1));
            }
            if (!p.isAlive()) {
                throw new AssertionError("serve exited with " + p.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("serve did not start listening within 120 s:\n" + Files.readString(log));
    }

    /** The answer's text and tokens; throws IOException when the connection drops. */
    private String answer(URI uri, String adapter, DemoAdapters.Question q) throws IOException, InterruptedException {
        ObjectNode body = Json.mapper().createObjectNode().put("adapter", adapter).put("prompt", q.prompt())
                .put("image", ServeCommandTest.png(q.image().toBufferedImage())).put("max_new_tokens", 12).put("num_beams", 2);
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri.resolve("/v1/generate")).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode n = Json.parse(r.body(), "answer");
        return n.path("text").asText() + " " + n.path("tokens");
    }

    /** Every file under the folder (relative path) with its SHA-256. */
    private static Map<String, String> hashes(Path folder) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                out.put(folder.relativize(f).toString(), Hashing.sha256().hashBytes(Files.readAllBytes(f)).toString());
            }
        }
        return out;
    }
}
