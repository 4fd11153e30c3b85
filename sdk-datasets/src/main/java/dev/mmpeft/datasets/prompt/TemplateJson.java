package dev.mmpeft.datasets.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link PromptTemplate} as JSON: its name when it is one of {@link PromptTemplates#names()}
 * ({@code "scienceqa-answer-text"}), else an object with every attribute under a snake_case key
 * ({@code input}, {@code open_input}, {@code instruction}, {@code target}, {@code option_format},
 * {@code option_separator}, {@code labels}, {@code context_fields}, {@code context_separator},
 * {@code empty_context}, {@code collapse_spaces}, {@code include_choice_images},
 * {@code ignore_choices}). Why: model and adapter folders record the template they were trained
 * with, and a reader must rebuild exactly the same template from it.
 */
public final class TemplateJson {
    private static final Set<String> KEYS = Set.of("input", "open_input", "instruction", "target", "option_format",
            "option_separator", "labels", "context_fields", "context_separator", "empty_context", "collapse_spaces",
            "include_choice_images", "ignore_choices");

    private TemplateJson() {}

    /** The template's name as a JSON string when it has one, else the object with every attribute. */
    public static JsonNode write(PromptTemplate t) {
        Optional<String> name = PromptTemplates.nameOf(t);
        if (name.isPresent()) {
            return JsonNodeFactory.instance.textNode(name.get());
        }
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("input", t.input());
        t.openInput().ifPresent(v -> n.put("open_input", v));
        t.instruction().ifPresent(v -> n.put("instruction", v));
        n.put("target", t.target());
        n.put("option_format", t.optionFormat());
        n.put("option_separator", t.optionSeparator());
        n.put("labels", t.labels().name().toLowerCase(Locale.ROOT));
        ArrayNode fields = n.putArray("context_fields");
        t.contextFields().forEach(fields::add);
        n.put("context_separator", t.contextSeparator());
        n.put("empty_context", t.emptyContext());
        n.put("collapse_spaces", t.collapseSpaces());
        n.put("include_choice_images", t.includeChoiceImages());
        n.put("ignore_choices", t.ignoreChoices());
        return n;
    }

    /**
     * Reads what {@link #write} wrote: a name or an object (absent keys take the builder's defaults).
     *
     * @param where names the file and field in errors, e.g. {@code adapter/mmpeft_task.json: template}
     * @throws TemplateException naming {@code where}, the key, what was found and what was expected
     */
    public static PromptTemplate read(JsonNode node, String where) {
        if (node.isTextual()) {
            try {
                return PromptTemplates.named(node.asText());
            } catch (TemplateException e) {
                throw new TemplateException(where + ": " + e.getMessage());
            }
        }
        if (!node.isObject()) {
            throw new TemplateException(where + ": expected a template name or an object, found " + kind(node));
        }
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                throw new TemplateException(where + ": unknown key '" + key + "'; expected some of " + new java.util.TreeSet<>(KEYS));
            }
        }
        PromptTemplate.Builder b = PromptTemplate.builder().input(text(node, "input", where, true));
        optionalText(node, "open_input", where).ifPresent(b::openInput);
        optionalText(node, "instruction", where).ifPresent(b::instruction);
        optionalText(node, "target", where).ifPresent(b::target);
        optionalText(node, "option_format", where).ifPresent(b::optionFormat);
        optionalText(node, "option_separator", where).ifPresent(b::optionSeparator);
        optionalText(node, "labels", where).ifPresent(v -> b.labels(labels(v, where)));
        if (node.has("context_fields")) {
            b.contextFields(strings(node.get("context_fields"), where + ".context_fields"));
        }
        optionalText(node, "context_separator", where).ifPresent(b::contextSeparator);
        optionalText(node, "empty_context", where).ifPresent(b::emptyContext);
        bool(node, "collapse_spaces", where).ifPresent(b::collapseSpaces);
        bool(node, "include_choice_images", where).ifPresent(b::includeChoiceImages);
        bool(node, "ignore_choices", where).ifPresent(b::ignoreChoices);
        try {
            return b.build();
        } catch (TemplateException e) {
            throw new TemplateException(where + ": " + e.getMessage());
        }
    }

    private static String text(JsonNode node, String key, String where, boolean required) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw new TemplateException(where + "." + key + ": missing; expected a string");
            }
            return "";
        }
        if (!v.isTextual()) {
            throw new TemplateException(where + "." + key + ": expected a string, found " + kind(v));
        }
        return v.asText();
    }

    private static Optional<String> optionalText(JsonNode node, String key, String where) {
        return node.has(key) && !node.get(key).isNull() ? Optional.of(text(node, key, where, true)) : Optional.empty();
    }

    private static Optional<Boolean> bool(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isBoolean()) {
            throw new TemplateException(where + "." + key + ": expected true or false, found " + kind(v));
        }
        return Optional.of(v.asBoolean());
    }

    private static List<String> strings(JsonNode v, String where) {
        if (!v.isArray()) {
            throw new TemplateException(where + ": expected a list of field names, found " + kind(v));
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw new TemplateException(where + ": expected field names (strings), found " + kind(e));
            }
            out.add(e.asText());
        }
        return out;
    }

    private static OptionLabels labels(String v, String where) {
        try {
            return OptionLabels.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new TemplateException(where + ".labels: unknown option labels '" + v + "'; expected lower, upper or number");
        }
    }

    private static String kind(JsonNode v) {
        return v.isNull() ? "null" : v.isTextual() ? "a string" : v.isNumber() ? "a number" : v.isBoolean() ? "a boolean"
                : v.isArray() ? "a list" : "an object";
    }
}
