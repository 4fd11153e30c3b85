package dev.mmpeft.samples.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.serving.AdapterInfo;
import dev.mmpeft.serving.ServingException;
import dev.mmpeft.serving.ServingResult;
import java.util.List;
import java.util.UUID;

/**
 * The JSON bodies the service answers with: the native answer, OpenAI's chat completion (and its
 * streamed chunks), model and adapter lists, and errors in OpenAI's shape
 * ({@code {"error": {"message", "type", "code"}}}) with the HTTP status of each engine reason.
 */
final class ApiResponses {
    private ApiResponses() {}

    static ObjectNode object() {
        return Json.mapper().createObjectNode();
    }

    /** {@code {"text", "adapter", "scores"?, "tokens", "batch_size", "timings_ms": {...}}}. */
    static ObjectNode generate(ServingResult r, boolean choices) {
        ObjectNode out = object();
        out.put("text", r.text());
        if (r.adapter().isPresent()) {
            out.put("adapter", r.adapter().get());
        } else {
            out.putNull("adapter");
        }
        if (choices) {
            ArrayNode scores = out.putArray("scores");
            r.scores().forEach(scores::add);
        }
        ArrayNode tokens = out.putArray("tokens");
        r.tokens().forEach(tokens::add);
        out.put("batch_size", r.batchSize());
        ObjectNode t = out.putObject("timings_ms");
        t.put("queue", round(r.queueMillis()));
        t.put("compute", round(r.computeMillis()));
        t.put("total", round(r.totalMillis()));
        return out;
    }

    private static double round(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }

    /** OpenAI's {@code chat.completion}: one choice, the answer as the assistant's message. */
    static ObjectNode chatCompletion(ServingResult r, String model, int maxTokens) {
        ObjectNode out = object();
        out.put("id", "chatcmpl-" + UUID.randomUUID());
        out.put("object", "chat.completion");
        out.put("created", System.currentTimeMillis() / 1000);
        out.put("model", model);
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", r.text());
        choice.put("finish_reason", r.tokens().size() >= maxTokens ? "length" : "stop");
        ObjectNode usage = out.putObject("usage");
        usage.put("completion_tokens", r.tokens().size());
        out.putObject("mmpeft").put("batch_size", r.batchSize()).put("total_ms", round(r.totalMillis()));
        return out;
    }

    /** The streamed form: a chunk with the whole answer as the delta, then a chunk with the finish reason. */
    static List<ObjectNode> chatChunks(ServingResult r, String model, int maxTokens) {
        String id = "chatcmpl-" + UUID.randomUUID();
        long created = System.currentTimeMillis() / 1000;
        ObjectNode first = chunk(id, created, model);
        ObjectNode delta = ((ObjectNode) first.get("choices").get(0)).putObject("delta");
        delta.put("role", "assistant");
        delta.put("content", r.text());
        ((ObjectNode) first.get("choices").get(0)).putNull("finish_reason");
        ObjectNode last = chunk(id, created, model);
        ((ObjectNode) last.get("choices").get(0)).putObject("delta");
        ((ObjectNode) last.get("choices").get(0)).put("finish_reason", r.tokens().size() >= maxTokens ? "length" : "stop");
        return List.of(first, last);
    }

    private static ObjectNode chunk(String id, long created, String model) {
        ObjectNode out = object();
        out.put("id", id);
        out.put("object", "chat.completion.chunk");
        out.put("created", created);
        out.put("model", model);
        out.putArray("choices").addObject().put("index", 0);
        return out;
    }

    /** OpenAI's model list: the base model, then every registered adapter (its {@code parent} the base). */
    static ObjectNode models(String baseModel, List<AdapterInfo> adapters) {
        ObjectNode out = object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        data.addObject().put("id", baseModel).put("object", "model").put("owned_by", "mmpeft");
        for (AdapterInfo a : adapters) {
            data.addObject().put("id", a.name()).put("object", "model").put("owned_by", "mmpeft").put("parent", baseModel);
        }
        return out;
    }

    static ObjectNode adapter(AdapterInfo a) {
        return object().put("name", a.name()).put("directory", a.directory().toString()).put("peft_type", a.peftType())
                .put("resident", a.resident());
    }

    static ObjectNode adapters(List<AdapterInfo> adapters) {
        ObjectNode out = object();
        ArrayNode list = out.putArray("adapters");
        adapters.forEach(a -> list.add(adapter(a)));
        return out;
    }

    /** The HTTP status of an engine failure: the client's fault 4xx, the service's 5xx. */
    static int status(ServingException.Reason reason) {
        switch (reason) {
            case UNKNOWN_ADAPTER:
                return 404;
            case ADAPTER_EXISTS:
                return 409;
            case ADAPTER_MISMATCH:
            case INVALID_ADAPTER:
                return 422;
            case QUEUE_FULL:
                return 429;
            case TIMEOUT:
                return 504;
            case SHUTDOWN:
                return 503;
            case INTERNAL:
                return 500;
            default:
                return 400;
        }
    }

    /** {@code {"error": {"message", "type", "code"}}}. */
    static ObjectNode error(int status, String code, String message) {
        ObjectNode out = object();
        ObjectNode e = out.putObject("error");
        e.put("message", message);
        e.put("type", status >= 500 ? "server_error" : "invalid_request_error");
        e.put("code", code);
        return out;
    }
}
