package dev.mmpeft.samples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.models.processing.RgbImage;
import dev.mmpeft.serving.ServingException;
import dev.mmpeft.serving.ServingRequest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns request bodies of the native and the OpenAI-compatible endpoints into
 * {@link ServingRequest}s, refusing malformed ones with an {@link ApiException} that names the
 * field, what was found and what was expected.
 */
final class ApiRequests {
    /** The native endpoint's fields; anything else is refused (a typo should not pass silently). */
    static final Set<String> GENERATE_FIELDS = Set.of("adapter", "prompt", "instruction", "image", "choices", "max_new_tokens",
            "num_beams", "timeout_ms");

    /** {@code max_tokens} when an OpenAI request gives none: the native endpoint's default. */
    static final int DEFAULT_MAX_TOKENS = 30;

    private ApiRequests() {}

    static JsonNode parse(byte[] body) {
        try {
            JsonNode node = Json.mapper().readTree(body);
            if (node == null || !node.isObject()) {
                throw new ApiException(400, "invalid_json", "the request body must be a JSON object, found "
                        + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase(Locale.ROOT)));
            }
            return node;
        } catch (IOException e) {
            String where = e instanceof com.fasterxml.jackson.core.JsonProcessingException p && p.getLocation() != null
                    ? " at line " + p.getLocation().getLineNr() + ", column " + p.getLocation().getColumnNr() : "";
            throw new ApiException(400, "invalid_json", "the request body is not valid JSON" + where + ": "
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException p ? p.getOriginalMessage() : e.getMessage()));
        }
    }

    /** A {@code POST /v1/generate} body. */
    static ServingRequest generate(JsonNode body, HttpLimits limits) {
        body.fieldNames().forEachRemaining(f -> {
            if (!GENERATE_FIELDS.contains(f)) {
                throw new ApiException(400, "unknown_field", "unknown field '" + f + "'; expected " + new java.util.TreeSet<>(GENERATE_FIELDS));
            }
        });
        ServingRequest.Builder b = ServingRequest.builder()
                .adapter(optionalText(body, "adapter"))
                .prompt(text(body, "prompt"))
                .instruction(optionalText(body, "instruction"))
                .image(image("image", text(body, "image"), limits));
        JsonNode choices = body.get("choices");
        if (choices != null && !choices.isNull()) {
            if (!choices.isArray()) {
                throw new ApiException(400, "invalid_field", "'choices' must be an array of strings, found " + kind(choices));
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < choices.size(); i++) {
                if (!choices.get(i).isTextual()) {
                    throw new ApiException(400, "invalid_field", "'choices[" + i + "]' must be a string, found " + kind(choices.get(i)));
                }
                out.add(choices.get(i).asText());
            }
            b.choices(out);
        }
        integer(body, "max_new_tokens").ifPresent(b::maxNewTokens);
        integer(body, "num_beams").ifPresent(b::numBeams);
        integer(body, "timeout_ms").ifPresent(ms -> b.timeout(Duration.ofMillis(ms)));
        return build(b);
    }

    /** An OpenAI chat request: the request, whether it streams, and the model name it gave. */
    record Chat(ServingRequest request, boolean stream, String model) {}

    /**
     * A {@code POST /v1/chat/completions} body: {@code model} names the adapter ({@code baseModel},
     * or no model, means none); the prompt is the text of the last user message, the image the one
     * {@code image_url} part (a base64 data URL) among the messages. Sampling fields
     * ({@code temperature}, {@code top_p}, ...) are ignored: answers are greedy, or beam search with
     * the {@code num_beams} extension.
     */
    static Chat chat(JsonNode body, String baseModel, HttpLimits limits) {
        String model = optionalText(body, "model").orElse(baseModel);
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new ApiException(400, "invalid_field", "'messages' must be a non-empty array, found " + kind(messages));
        }
        String prompt = null;
        String image = null;
        for (int m = 0; m < messages.size(); m++) {
            JsonNode msg = messages.get(m);
            String role = msg.path("role").asText("");
            JsonNode content = msg.get("content");
            StringBuilder text = new StringBuilder();
            if (content != null && content.isTextual()) {
                text.append(content.asText());
            } else if (content != null && content.isArray()) {
                for (int p = 0; p < content.size(); p++) {
                    JsonNode part = content.get(p);
                    String where = "messages[" + m + "].content[" + p + "]";
                    String type = part.path("type").asText("");
                    if (type.equals("text")) {
                        text.append(text.length() == 0 ? "" : "\n").append(part.path("text").asText(""));
                    } else if (type.equals("image_url")) {
                        JsonNode url = part.path("image_url");
                        String value = url.isTextual() ? url.asText() : url.path("url").asText("");
                        if (image != null) {
                            throw new ApiException(400, "invalid_field", where + ": a second image; InstructBLIP answers about exactly one");
                        }
                        image = value;
                    } else {
                        throw new ApiException(400, "invalid_field", where + ": part type '" + type + "'; expected 'text' or 'image_url'");
                    }
                }
            } else {
                throw new ApiException(400, "invalid_field", "messages[" + m + "].content must be a string or an array of parts, found "
                        + kind(content));
            }
            if (role.equals("user")) {
                prompt = text.toString();
            }
        }
        if (prompt == null) {
            throw new ApiException(400, "invalid_field", "'messages' has no message with role 'user'");
        }
        if (image == null) {
            throw new ApiException(400, "invalid_field", "no image: put one content part {\"type\": \"image_url\", \"image_url\":"
                    + " {\"url\": \"data:image/png;base64,...\"}} in a message");
        }
        int n = integer(body, "n").orElse(1);
        if (n != 1) {
            throw new ApiException(400, "invalid_field", "'n' must be 1, got " + n);
        }
        ServingRequest.Builder b = ServingRequest.builder()
                .adapter(model.equals(baseModel) ? Optional.empty() : Optional.of(model))
                .prompt(prompt)
                .image(image("image_url", image, limits))
                .maxNewTokens(integer(body, "max_completion_tokens").or(() -> integer(body, "max_tokens")).orElse(DEFAULT_MAX_TOKENS));
        integer(body, "num_beams").ifPresent(b::numBeams);
        boolean stream = body.path("stream").asBoolean(false);
        return new Chat(build(b), stream, model);
    }

    private static ServingRequest build(ServingRequest.Builder b) {
        try {
            return b.build();
        } catch (ServingException e) {
            throw new ApiException(400, "invalid_field", e.getMessage());
        }
    }

    static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            throw new ApiException(400, "missing_field", "missing field '" + field + "'");
        }
        if (!v.isTextual()) {
            throw new ApiException(400, "invalid_field", "'" + field + "' must be a string, found " + kind(v));
        }
        return v.asText();
    }

    static Optional<String> optionalText(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(text(body, field));
    }

    static Optional<Integer> integer(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new ApiException(400, "invalid_field", "'" + field + "' must be an integer, found " + kind(v) + " " + v);
        }
        return Optional.of(v.asInt());
    }

    private static String kind(JsonNode v) {
        return v == null ? "nothing" : v.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    /**
     * Decodes a base64 PNG or JPEG (plain, or a {@code data:image/...;base64,} URL), checking its
     * byte size and its width and height (from the header, before decoding pixels) against the limits.
     */
    static RgbImage image(String field, String value, HttpLimits limits) {
        String b64 = value;
        if (value.startsWith("data:")) {
            int comma = value.indexOf(',');
            String header = comma < 0 ? value : value.substring(5, comma).toLowerCase(Locale.ROOT);
            if (comma < 0 || !header.endsWith(";base64")) {
                throw new ApiException(400, "invalid_image", "'" + field + "': a data URL must be 'data:image/png;base64,...' or"
                        + " 'data:image/jpeg;base64,...'");
            }
            String mime = header.substring(0, header.length() - ";base64".length());
            if (!Set.of("image/png", "image/jpeg", "image/jpg").contains(mime)) {
                throw new ApiException(400, "invalid_image", "'" + field + "': media type '" + mime + "'; expected image/png or image/jpeg");
            }
            b64 = value.substring(comma + 1);
        } else if (value.startsWith("http://") || value.startsWith("https://")) {
            throw new ApiException(400, "invalid_image", "'" + field + "': image URLs are not fetched; send the image as base64"
                    + " (a data URL)");
        }
        if (b64.length() / 4L * 3 > limits.maxImageBytes() + 3) {
            throw tooLarge(field, b64.length() / 4L * 3, limits);
        }
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "invalid_image", "'" + field + "' is not valid base64: " + e.getMessage());
        }
        if (bytes.length > limits.maxImageBytes()) {
            throw tooLarge(field, bytes.length, limits);
        }
        return decode(field, bytes, limits);
    }

    private static ApiException tooLarge(String field, long bytes, HttpLimits limits) {
        return new ApiException(413, "image_too_large", "'" + field + "' is " + bytes + " bytes, more than the limit of "
                + limits.maxImageBytes() + " bytes (--max-image-bytes)");
    }

    private static RgbImage decode(String field, byte[] bytes, HttpLimits limits) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ApiException(400, "invalid_image", "'" + field + "' is not a PNG or JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!format.equals("png") && !format.equals("jpeg")) {
                    throw new ApiException(400, "invalid_image", "'" + field + "' is a " + format + " image; expected PNG or JPEG");
                }
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if (w > limits.maxImageSide() || h > limits.maxImageSide()) {
                    throw new ApiException(413, "image_too_large", "'" + field + "' is " + w + "x" + h + " pixels, more than the limit of "
                            + limits.maxImageSide() + " pixels a side (--max-image-side)");
                }
                BufferedImage image = reader.read(0);
                return RgbImage.of(image);
            } finally {
                reader.dispose();
            }
        } catch (ApiException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // a corrupt file can make a decoder throw anything; the request is at fault, not the service
            throw new ApiException(400, "invalid_image", "'" + field + "' cannot be decoded: " + e);
        }
    }
}
