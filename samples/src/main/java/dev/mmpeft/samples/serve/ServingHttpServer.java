package dev.mmpeft.samples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.serving.AdapterInfo;
import dev.mmpeft.serving.ServingEngine;
import dev.mmpeft.serving.ServingException;
import dev.mmpeft.serving.ServingRequest;
import dev.mmpeft.serving.ServingResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample service: {@code POST /v1/generate} (native), {@code POST /v1/chat/completions}
 * (OpenAI-compatible; {@code model} names the adapter), {@code GET /v1/models},
 * {@code GET /v1/adapters}, {@code POST|DELETE /v1/adapters/{name}}, {@code GET /health} and
 * {@code GET /metrics} (Prometheus text), on the JDK's built-in {@code com.sun.net.httpserver}
 * over one thread-safe {@link ServingEngine}.
 *
 * <p>Every refusal is a JSON error with a 4xx status naming the problem (malformed JSON, a missing
 * field, a body or image over its limit, an unknown adapter, an adapter of another base model, too
 * many tokens); nothing a client sends stops the service.
 */
public final class ServingHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServingHttpServer.class);
    private static final Pattern ADAPTER_PATH = Pattern.compile("/v1/adapters/([^/]+)");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    /** A refused body is read to its end (so the client sees the answer) up to this much, then the connection closes. */
    private static final long DRAIN_LIMIT = 256L << 20;

    private final ServingEngine engine;
    private final @Nullable Path adapterFolder;
    private final HttpLimits limits;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, LongAdder> responses = new ConcurrentHashMap<>();

    private ServingHttpServer(ServingEngine engine, @Nullable Path adapterFolder, HttpLimits limits, HttpServer server,
            ExecutorService executor) {
        this.engine = engine;
        this.adapterFolder = adapterFolder;
        this.limits = limits;
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving on {@code address} (port 0 picks a free one) with {@code threads} handler
     * threads; {@code adapterFolder} is where {@code POST /v1/adapters/{name}} loads {@code name} from.
     */
    public static ServingHttpServer start(ServingEngine engine, @Nullable Path adapterFolder, HttpLimits limits,
            InetSocketAddress address, int threads) throws IOException {
        // The JDK server leaves Nagle's algorithm on unless told otherwise (read once, when its first
        // server starts). It writes a response's headers and body separately, so the body waits for
        // the client's delayed ACK (up to 40 ms on Linux) whenever a batch answers several requests
        // at once: measured with ./mmpeft loadtest, max batch 8 went from 63 to 85 req/s with it set.
        // A -Dsun.net.httpserver.nodelay=false given on the command line still wins.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        HttpServer server = HttpServer.create(address, 64);
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "mmpeft-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ServingHttpServer s = new ServingHttpServer(engine, adapterFolder, limits, server, executor);
        server.createContext("/", s::handle);
        server.setExecutor(executor);
        server.start();
        return s;
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://host:port}. */
    public URI uri() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + port());
    }

    /** A response: status, content type, body. */
    private record Response(int status, String contentType, byte[] body) {
        static Response json(int status, JsonNode node) {
            return new Response(status, "application/json", (node.toString() + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    private void handle(HttpExchange ex) {
        Response response;
        try {
            response = route(ex);
        } catch (ApiException e) {
            response = Response.json(e.status(), ApiResponses.error(e.status(), e.code(), e.getMessage()));
        } catch (ServingException e) {
            int status = ApiResponses.status(e.reason());
            String code = e.reason() == ServingException.Reason.UNKNOWN_ADAPTER && ex.getRequestURI().getPath().equals("/v1/chat/completions")
                    ? "model_not_found" : e.reason().name().toLowerCase(Locale.ROOT);
            response = Response.json(status, ApiResponses.error(status, code, e.getMessage()));
        } catch (MmpeftException e) {
            response = Response.json(400, ApiResponses.error(400, "bad_request", e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            response = Response.json(503, ApiResponses.error(503, "shutdown", "the service is shutting down"));
        } catch (IOException | RuntimeException e) {
            LOG.error("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            response = Response.json(500, ApiResponses.error(500, "internal", "internal error: " + e));
        }
        if (response != null) {
            send(ex, response);
        }
        ex.close();
    }

    private void send(HttpExchange ex, Response r) {
        responses.computeIfAbsent(r.status() + " " + endpoint(ex.getRequestURI().getPath()), k -> new LongAdder()).increment();
        try {
            ex.getResponseHeaders().set("Content-Type", r.contentType());
            ex.sendResponseHeaders(r.status(), r.body().length == 0 ? -1 : r.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(r.body());
            }
        } catch (IOException e) {
            LOG.debug("client went away before the answer: {}", e.toString());
        }
    }

    /** The endpoint a path counts under in the metrics: a known route, or "other" (labels stay few). */
    private static String endpoint(String path) {
        if (ADAPTER_PATH.matcher(path).matches()) {
            return "/v1/adapters/{name}";
        }
        return java.util.Set.of("/v1/generate", "/v1/chat/completions", "/v1/models", "/v1/adapters", "/health", "/metrics")
                .contains(path) ? path : "other";
    }

    /** The answer of one exchange, or null when it was already sent (a stream). */
    private @Nullable Response route(HttpExchange ex) throws IOException, InterruptedException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        var adapter = ADAPTER_PATH.matcher(path);
        switch (path) {
            case "/v1/generate":
                requireMethod(method, "POST", path);
                return generate(body(ex));
            case "/v1/chat/completions":
                requireMethod(method, "POST", path);
                return chat(ex, body(ex));
            case "/v1/models":
                requireMethod(method, "GET", path);
                return Response.json(200, ApiResponses.models(engine.baseModelName(), engine.adapters()));
            case "/v1/adapters":
                requireMethod(method, "GET", path);
                return Response.json(200, ApiResponses.adapters(engine.adapters()));
            case "/health":
                requireMethod(method, "GET", path);
                return Response.json(200, health());
            case "/metrics":
                requireMethod(method, "GET", path);
                return new Response(200, "text/plain; version=0.0.4; charset=utf-8", metrics().getBytes(StandardCharsets.UTF_8));
            default:
                if (adapter.matches()) {
                    return adapterOperation(method, adapter.group(1));
                }
                throw new ApiException(404, "not_found", "no endpoint " + path + "; see GET /v1/models, POST /v1/generate,"
                        + " POST /v1/chat/completions, /v1/adapters, /health, /metrics");
        }
    }

    private static void requireMethod(String method, String expected, String path) {
        if (!method.equals(expected)) {
            throw new ApiException(405, "method_not_allowed", method + " " + path + ": expected " + expected);
        }
    }

    private byte[] body(HttpExchange ex) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        InputStream in = ex.getRequestBody();
        if (declared != null && parseLong(declared) > limits.maxBodyBytes()) {
            in.skipNBytes(Math.min(parseLong(declared), DRAIN_LIMIT));
            throw bodyTooLarge(parseLong(declared));
        }
        byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limits.maxBodyBytes() + 1));
        if (body.length > limits.maxBodyBytes()) {
            long rest = in.transferTo(OutputStream.nullOutputStream());
            throw bodyTooLarge(body.length + rest);
        }
        return body;
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new ApiException(400, "bad_request", "Content-Length '" + s + "' is not a number");
        }
    }

    private ApiException bodyTooLarge(long bytes) {
        return new ApiException(413, "body_too_large", "the request body is " + bytes + " bytes, more than the limit of "
                + limits.maxBodyBytes() + " bytes (--max-body-bytes)");
    }

    private Response generate(byte[] body) throws InterruptedException {
        ServingRequest request = ApiRequests.generate(ApiRequests.parse(body), limits);
        return Response.json(200, ApiResponses.generate(await(request), !request.choices().isEmpty()));
    }

    private @Nullable Response chat(HttpExchange ex, byte[] body) throws IOException, InterruptedException {
        ApiRequests.Chat chat = ApiRequests.chat(ApiRequests.parse(body), engine.baseModelName(), limits);
        ServingResult result = await(chat.request());
        int max = chat.request().maxNewTokens();
        if (!chat.stream()) {
            return Response.json(200, ApiResponses.chatCompletion(result, chat.model(), max));
        }
        // server-sent events: the whole answer in one chunk (it is computed in one go), then [DONE]
        StringBuilder sse = new StringBuilder();
        for (ObjectNode chunk : ApiResponses.chatChunks(result, chat.model(), max)) {
            sse.append("data: ").append(chunk).append("\n\n");
        }
        sse.append("data: [DONE]\n\n");
        send(ex, new Response(200, "text/event-stream", sse.toString().getBytes(StandardCharsets.UTF_8)));
        return null;
    }

    private ServingResult await(ServingRequest request) throws InterruptedException {
        try {
            return engine.submit(request).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new ServingException(ServingException.Reason.INTERNAL, String.valueOf(e.getCause()), e.getCause());
        }
    }

    private Response adapterOperation(String method, String name) throws InterruptedException {
        if (!NAME.matcher(name).matches()) {
            throw new ApiException(400, "invalid_adapter_name", "adapter name '" + name
                    + "' is not allowed; expected 1-64 letters, digits, '_' or '-', starting with a letter or digit");
        }
        if (method.equals("DELETE")) {
            if (!engine.unloadAdapter(name)) {
                throw new ApiException(404, "unknown_adapter", "no adapter named '" + name + "'");
            }
            return Response.json(200, ApiResponses.object().put("unloaded", name));
        }
        requireMethod(method, "POST", "/v1/adapters/" + name);
        if (adapterFolder == null) {
            throw new ApiException(409, "no_adapter_folder", "this service was started without an adapter folder (--adapters DIR)");
        }
        AdapterInfo info = engine.loadAdapter(name, adapterFolder.resolve(name));
        return Response.json(201, ApiResponses.adapter(info));
    }

    private ObjectNode health() {
        ObjectNode out = ApiResponses.object();
        out.put("status", "ok");
        out.put("base_model", engine.baseModelName());
        out.put("adapters_registered", engine.metrics().registeredAdapters());
        out.put("adapters_resident", engine.metrics().residentAdapters());
        out.put("queue_depth", engine.metrics().queueDepth());
        out.put("rss_bytes", ProcessMemory.rssBytes());
        return out;
    }

    private String metrics() {
        StringBuilder sb = new StringBuilder(engine.metrics().prometheusText());
        sb.append("# HELP mmpeft_http_responses_total HTTP responses by status and endpoint.\n");
        sb.append("# TYPE mmpeft_http_responses_total counter\n");
        new java.util.TreeMap<>(responses).forEach((k, v) -> {
            String[] parts = k.split(" ", 2);
            sb.append("mmpeft_http_responses_total{status=\"").append(parts[0]).append("\",path=\"").append(parts[1]).append("\"} ")
                    .append(v.sum()).append('\n');
        });
        sb.append("# HELP process_resident_memory_bytes Resident memory size in bytes.\n");
        sb.append("# TYPE process_resident_memory_bytes gauge\n");
        sb.append("process_resident_memory_bytes ").append(ProcessMemory.rssBytes()).append('\n');
        return sb.toString();
    }

    /** Stops listening (answers in progress get a second to finish) and stops the handler threads. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }
}
