package dev.mmpeft.samples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * A bounded load on a running service over loopback: {@code clients} threads, each sending one
 * {@code POST /v1/generate} at a time for the duration, cycling over every adapter and demo
 * question; meanwhile, optionally, one adapter is loaded and unloaded every few seconds, and the
 * service's resident memory is sampled from {@code /health}. Every answer is compared with the
 * same request served alone (sent one at a time before the load starts): the isolation check.
 */
public final class LoadTest {
    /**
     * What to run.
     *
     * @param server the service, {@code http://host:port}
     * @param clients concurrent clients
     * @param adapters the adapters the clients use
     * @param duration how long the clients send
     * @param warmup how long memory is not yet expected to be flat
     * @param churnAdapter the adapter loaded and unloaded while the clients run, or null for none
     * @param churnEvery how often it is loaded or unloaded
     * @param maxNewTokens each request's {@code max_new_tokens}
     */
    public record Settings(URI server, int clients, List<String> adapters, Duration duration, Duration warmup,
            @org.jspecify.annotations.Nullable String churnAdapter, Duration churnEvery, int maxNewTokens) {}

    /** What it measured. */
    public record Report(int clients, int adapters, double seconds, long completed, long errors, long mismatches,
            double throughput, double p50Millis, double p95Millis, double p99Millis, double meanBatchSize, long evictions,
            int churnOperations, int churnFailures, long rssAfterWarmupMin, long rssAfterWarmupMax, long rssAtWarmup,
            long rssAtEnd, int distinctAnswersPerQuestion, List<String> firstErrors) {
        /** Whether resident memory after warm-up stayed within 10% of its smallest value. */
        public boolean rssFlat() {
            return rssAfterWarmupMin > 0 && (rssAfterWarmupMax - rssAfterWarmupMin) <= 0.10 * rssAfterWarmupMin;
        }

        /** The report as printed. */
        public String text() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "clients %d, adapters %d, %.1f s%n", clients, adapters, seconds));
            sb.append(String.format(Locale.ROOT, "requests %d, errors %d, throughput %.2f req/s%n", completed, errors, throughput));
            sb.append(String.format(Locale.ROOT, "latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms%n", p50Millis, p95Millis, p99Millis));
            sb.append(String.format(Locale.ROOT, "mean batch size %.2f, adapter evictions %d%n", meanBatchSize, evictions));
            sb.append(String.format(Locale.ROOT, "adapter load/unload operations %d (failed %d)%n", churnOperations, churnFailures));
            sb.append(String.format(Locale.ROOT, "isolation: %d of %d answers differ from the same request served alone"
                    + " (%d distinct answers per question across adapters)%n", mismatches, completed, distinctAnswersPerQuestion));
            sb.append(String.format(Locale.ROOT, "RSS after warm-up: %.1f MB at warm-up, %.1f MB at the end, min %.1f MB, max %.1f MB (%s)%n",
                    rssAtWarmup / 1e6, rssAtEnd / 1e6, rssAfterWarmupMin / 1e6, rssAfterWarmupMax / 1e6,
                    rssFlat() ? "flat within 10%" : "NOT flat within 10%"));
            firstErrors.forEach(e -> sb.append("error: ").append(e).append('\n'));
            return sb.toString();
        }

        /** The report as JSON. */
        public ObjectNode json() {
            return Json.mapper().valueToTree(this);
        }
    }

    private record Template(String adapter, int question, String body) {}

    private record Answer(String text, String tokens) {}

    private LoadTest() {}

    /** Runs the load test against {@code settings.server()} with {@code questions}. */
    public static Report run(Settings settings, List<DemoAdapters.Question> questions, PrintStream console)
            throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        List<Template> templates = new ArrayList<>();
        for (String adapter : settings.adapters()) {
            for (int q = 0; q < questions.size(); q++) {
                ObjectNode body = Json.mapper().createObjectNode().put("adapter", adapter).put("prompt", questions.get(q).prompt())
                        .put("image", png(questions.get(q))).put("max_new_tokens", settings.maxNewTokens());
                templates.add(new Template(adapter, q, body.toString()));
            }
        }
        console.printf(Locale.ROOT, "isolation reference: %d requests served one at a time ...%n", templates.size());
        List<Answer> expected = reference(client, settings.server(), templates);
        int distinct = distinctPerQuestion(templates, expected, questions.size());
        JsonNode before = metrics(client, settings.server());

        AtomicBoolean running = new AtomicBoolean(true);
        List<long[]> rss = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        Thread sampler = daemon("loadtest-rss", () -> {
            while (running.get()) {
                long bytes = health(client, settings.server());
                rss.add(new long[] {System.nanoTime() - start, bytes});
                sleep(1000);
            }
        });
        int[] churn = new int[2];
        Thread churner = settings.churnAdapter() == null ? null
                : daemon("loadtest-churn", () -> churn(client, settings, settings.churnAdapter(), running, churn));
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicLong mismatches = new AtomicLong();
        long end = start + settings.duration().toNanos();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < settings.clients(); c++) {
            int id = c;
            clients.add(daemon("loadtest-client-" + c, () -> {
                for (int k = 0; System.nanoTime() < end; k++) {
                    int i = Math.floorMod(id * 7 + k * settings.clients(), templates.size());
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = send(client, HttpRequest.newBuilder(settings.server().resolve("/v1/generate"))
                            .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(templates.get(i).body())).build());
                    long t1 = System.nanoTime();
                    if (r == null || r.statusCode() != 200) {
                        errors.add(r == null ? "no response" : r.statusCode() + " " + r.body().strip());
                        continue;
                    }
                    latencies.add(t1 - t0);
                    if (!answer(r.body()).equals(expected.get(i))) {
                        mismatches.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : clients) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        running.set(false);
        if (churner != null) {
            churner.interrupt();
            churner.join();
        }
        sampler.join();
        JsonNode after = metrics(client, settings.server());
        return report(settings, seconds, latencies, errors, mismatches.get(), before, after, churn, rss, distinct);
    }

    /** Each request served alone, one at a time, before the load: what every later answer must equal. */
    private static List<Answer> reference(HttpClient client, URI server, List<Template> templates) throws IOException, InterruptedException {
        List<Answer> expected = new ArrayList<>();
        for (Template t : templates) {
            HttpResponse<String> r = post(client, server.resolve("/v1/generate"), t.body());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("reference request for adapter " + t.adapter() + " failed: " + r.statusCode() + " " + r.body());
            }
            expected.add(answer(r.body()));
        }
        return expected;
    }

    /** Unloads and loads {@code adapter} every {@code churnEvery} while running; counts operations and failures in {@code churn}. */
    private static void churn(HttpClient client, Settings settings, String adapter, AtomicBoolean running, int[] churn) {
        boolean loaded = isLoaded(client, settings.server(), adapter);
        while (running.get()) {
            sleep(settings.churnEvery().toMillis());
            if (!running.get()) {
                break;
            }
            URI uri = settings.server().resolve("/v1/adapters/" + adapter);
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
            HttpResponse<String> r = send(client, loaded ? b.DELETE().build() : b.POST(HttpRequest.BodyPublishers.noBody()).build());
            churn[0]++;
            if (r == null || r.statusCode() / 100 != 2) {
                churn[1]++;
            } else {
                loaded = !loaded;
            }
        }
    }

    private static Report report(Settings settings, double seconds, ConcurrentLinkedQueue<Long> latencies,
            ConcurrentLinkedQueue<String> errors, long mismatches, JsonNode before, JsonNode after, int[] churn, List<long[]> rss,
            int distinct) {
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        double batches = after.path("batches").asDouble() - before.path("batches").asDouble();
        double rows = after.path("rows").asDouble() - before.path("rows").asDouble();
        long warm = settings.warmup().toNanos();
        long min = Long.MAX_VALUE;
        long max = 0;
        long atWarmup = -1;
        long atEnd = -1;
        synchronized (rss) {
            for (long[] s : rss) {
                if (s[0] >= warm && s[1] > 0) {
                    min = Math.min(min, s[1]);
                    max = Math.max(max, s[1]);
                    atWarmup = atWarmup < 0 ? s[1] : atWarmup;
                    atEnd = s[1];
                }
            }
        }
        List<String> first = new ArrayList<>(errors).subList(0, Math.min(5, errors.size()));
        return new Report(settings.clients(), settings.adapters().size(), seconds, sorted.size(), errors.size(), mismatches,
                sorted.size() / seconds, percentile(sorted, 0.50), percentile(sorted, 0.95), percentile(sorted, 0.99),
                batches == 0 ? 0 : rows / batches, after.path("evictions").asLong() - before.path("evictions").asLong(), churn[0],
                churn[1], min == Long.MAX_VALUE ? -1 : min, max, atWarmup, atEnd, distinct, List.copyOf(first));
    }

    private static double percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i))) / 1e6;
    }

    /** How many different answers the adapters give to one question, the smallest over all questions. */
    private static int distinctPerQuestion(List<Template> templates, List<Answer> expected, int questions) {
        int least = Integer.MAX_VALUE;
        for (int q = 0; q < questions; q++) {
            Set<Answer> answers = new HashSet<>();
            for (int i = 0; i < templates.size(); i++) {
                if (templates.get(i).question() == q) {
                    answers.add(expected.get(i));
                }
            }
            least = Math.min(least, answers.size());
        }
        return least;
    }

    private static Answer answer(String body) {
        JsonNode n = Json.parse(body, "answer");
        return new Answer(n.path("text").asText(), n.path("tokens").toString());
    }

    /** Batches, rows and evictions so far, from the service's {@code /metrics}. */
    private static JsonNode metrics(HttpClient client, URI server) {
        HttpResponse<String> r = send(client, HttpRequest.newBuilder(server.resolve("/metrics")).GET().build());
        ObjectNode out = Json.mapper().createObjectNode();
        if (r == null) {
            return out;
        }
        for (String line : r.body().split("\n")) {
            if (line.startsWith("mmpeft_batch_size_count ")) {
                out.put("batches", Double.parseDouble(line.substring(line.indexOf(' ') + 1)));
            } else if (line.startsWith("mmpeft_batch_size_sum ")) {
                out.put("rows", Double.parseDouble(line.substring(line.indexOf(' ') + 1)));
            } else if (line.startsWith("mmpeft_adapter_evictions_total ")) {
                out.put("evictions", Double.parseDouble(line.substring(line.indexOf(' ') + 1)));
            }
        }
        return out;
    }

    private static long health(HttpClient client, URI server) {
        HttpResponse<String> r = send(client, HttpRequest.newBuilder(server.resolve("/health")).GET().build());
        return r == null || r.statusCode() != 200 ? -1 : Json.parse(r.body(), "/health").path("rss_bytes").asLong(-1);
    }

    private static boolean isLoaded(HttpClient client, URI server, String adapter) {
        HttpResponse<String> r = send(client, HttpRequest.newBuilder(server.resolve("/v1/adapters")).GET().build());
        if (r == null) {
            return false;
        }
        for (JsonNode a : Json.parse(r.body(), "/v1/adapters").path("adapters")) {
            if (a.path("name").asText().equals(adapter)) {
                return true;
            }
        }
        return false;
    }

    private static HttpResponse<String> post(HttpClient client, URI uri, String body) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The response, or null when the connection failed (counted as an error by the caller). */
    private static @org.jspecify.annotations.Nullable HttpResponse<String> send(HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The question's image as base64 PNG. */
    static String png(DemoAdapters.Question q) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(q.image().toBufferedImage(), "png", out);
            return Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
