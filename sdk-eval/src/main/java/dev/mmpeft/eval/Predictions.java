package dev.mmpeft.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.ImmutablePrediction;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.core.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads predictions made anywhere (this SDK, LAVIS, a paper's released results) in the three
 * shapes they come in:
 *
 * <ul>
 *   <li>the official result files of ScienceQA and IconQA: {@code {"results": {pid: value}, ...}}
 *       (other keys such as {@code acc} or {@code args} are ignored);
 *   <li>a plain object {@code {pid: value}};
 *   <li>JSON Lines, one {@code {"id": ..., "prediction": ...}} per line; {@code question_id},
 *       {@code pid} or {@code image_id} may stand for {@code id} and {@code text}, {@code pred},
 *       {@code answer} or {@code caption} for {@code prediction}, so the answer files of LLaVA-style
 *       evaluation scripts ({@code {"question_id": ..., "text": "B", ...}}) read as they are;
 *   <li>the JSON list evaluation servers take, records as in JSON Lines:
 *       {@code [{"question_id": ..., "answer": ...}]} (VQA, TextVQA on EvalAI) or
 *       {@code [{"image_id": ..., "caption": ...}]} (COCO-style caption results).
 * </ul>
 *
 * <p>A-OKVQA's leaderboard file {@code {question_id: {"multiple_choice": ..., "direct_answer":
 * ...}}} reads too: the direct answer becomes the text, and {@link #readFor} turns the
 * multiple-choice text into the index of that option (it needs the examples' options).
 *
 * <p>A value is a choice index (a JSON integer, or in an official result file a string of digits,
 * which the official scripts read with {@code int()} / {@code str()}) or answer text (any other
 * string). An integer keeps its decimal text too, so it also scores against a string answer
 * ({@code str(ans) == str(label)}, as IconQA's script compares). {@code null} means no answer and
 * counts as wrong.
 */
public final class Predictions {
    private Predictions() {}

    /** The shape a file was read as. */
    public enum Format {
        /** {@code {"results": {pid: value}}}. */
        RESULTS,
        /** {@code {pid: value}}. */
        PLAIN,
        /** {@code {"id": ..., "prediction": ...}} per line. */
        JSONL,
        /** {@code [{"question_id": ..., "answer": ...}, ...]}. */
        LIST
    }

    /**
     * Predictions by example id, in file order, and the shape of the file; {@code multipleChoice}
     * holds the option texts of A-OKVQA leaderboard records, by id (empty for other files).
     */
    public record Read(Map<String, Prediction> predictions, Format format, Map<String, String> multipleChoice) {
        public Read(Map<String, Prediction> predictions, Format format) {
            this(predictions, format, Map.of());
        }
    }

    /**
     * Reads a predictions file.
     *
     * @throws EvaluationException naming the file, and the line or id and field at fault
     */
    public static Map<String, Prediction> read(Path file) {
        return readWithFormat(file).predictions();
    }

    /** Metadata fields that also identify an example (Flickr30K's Karpathy {@code imgid} and {@code filename}). */
    private static final List<String> ALIAS_FIELDS = List.of("imgid", "filename");

    /**
     * Reads a predictions file and matches it to {@code examples}: a prediction keyed by an
     * example's id answers it; one keyed by another name of exactly one example (its Karpathy
     * {@code imgid} or {@code filename}) answers that example; A-OKVQA leaderboard records get the
     * index of the option their {@code multiple_choice} text names (-1, wrong, when it names none).
     * Predictions that match no example are kept under their own key (evaluators ignore and log them).
     *
     * @throws EvaluationException as {@link #read(Path)}, or when two predictions answer one example
     */
    public static Map<String, Prediction> readFor(Path file, List<MultimodalExample> examples) {
        Read read = readWithFormat(file);
        Map<String, MultimodalExample> byId = new HashMap<>();
        examples.forEach(e -> byId.put(e.id(), e));
        Map<String, MultimodalExample> byAlias = null;
        Map<String, Prediction> out = new LinkedHashMap<>();
        Map<String, String> answeredBy = new HashMap<>();
        for (Map.Entry<String, Prediction> e : read.predictions().entrySet()) {
            String key = e.getKey();
            MultimodalExample ex = byId.get(key);
            if (ex == null) {
                byAlias = byAlias == null ? aliases(examples) : byAlias;
                ex = byAlias.get(key);
            }
            if (ex == null) {
                out.put(key, e.getValue());
                continue;
            }
            String previous = answeredBy.putIfAbsent(ex.id(), key);
            if (previous != null) {
                throw new EvaluationException(file + ": predictions " + previous + " and " + key + " both answer example "
                        + ex.id() + " (expected one prediction per example)");
            }
            ImmutablePrediction.Builder b = ImmutablePrediction.builder().from(e.getValue()).exampleId(ex.id());
            String mc = read.multipleChoice().get(key);
            if (mc != null) {
                b.choiceIndex(ex.choices().indexOf(mc));
            }
            out.put(ex.id(), b.build());
        }
        return Collections.unmodifiableMap(out);
    }

    /** The other names of examples, each kept only when it names exactly one example. */
    private static Map<String, MultimodalExample> aliases(List<MultimodalExample> examples) {
        Map<String, MultimodalExample> out = new HashMap<>();
        java.util.Set<String> ambiguous = new java.util.HashSet<>();
        for (MultimodalExample ex : examples) {
            for (String f : ALIAS_FIELDS) {
                ex.meta(f).ifPresent(alias -> {
                    MultimodalExample other = out.putIfAbsent(alias, ex);
                    if (other != null && other != ex) {
                        ambiguous.add(alias);
                    }
                });
            }
        }
        ambiguous.forEach(out::remove);
        return out;
    }

    /** Reads a predictions file and tells which shape it had. */
    public static Read readWithFormat(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new EvaluationException(file + ": predictions file not found", e);
        } catch (IOException e) {
            throw new EvaluationException(file + ": cannot read predictions file: " + e.getMessage(), e);
        }
        if (text.isBlank()) {
            throw new EvaluationException(file + ": predictions file is empty (expected JSON or JSON Lines)");
        }
        JsonNode whole = null;
        try {
            whole = Json.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            // not one JSON value: JSON Lines, or broken (reported line by line below)
        }
        if (whole != null && whole.isArray()) {
            return new Read(fromList(file, whole), Format.LIST);
        }
        if (whole != null && !(whole.isObject() && isJsonlRecord(whole) && text.strip().indexOf('\n') < 0)) {
            if (!whole.isObject()) {
                throw new EvaluationException(
                        file + ": expected a JSON object {pid: value}, {\"results\": {...}}, a list of"
                                + " {\"question_id\": ..., \"answer\": ...} or JSON Lines, found " + whole.getNodeType());
            }
            JsonNode results = whole.get("results");
            if (results != null) {
                if (!results.isObject()) {
                    throw new EvaluationException(
                            file + ": field \"results\" must be an object {pid: value}, found " + results.getNodeType());
                }
                return new Read(fromObject(file, results, true, new LinkedHashMap<>()), Format.RESULTS);
            }
            Map<String, String> multipleChoice = new LinkedHashMap<>();
            Map<String, Prediction> plain = fromObject(file, whole, false, multipleChoice);
            return new Read(plain, Format.PLAIN, Collections.unmodifiableMap(multipleChoice));
        }
        return new Read(fromJsonLines(file, text), Format.JSONL);
    }

    private static final java.util.List<String> ID_FIELDS = java.util.List.of("id", "question_id", "pid", "image_id");
    private static final java.util.List<String> PREDICTION_FIELDS = java.util.List.of("prediction", "text", "pred", "answer", "caption");

    private static boolean isJsonlRecord(JsonNode n) {
        return field(n, ID_FIELDS) != null && field(n, PREDICTION_FIELDS) != null;
    }

    /** The first of {@code names} the object has, or null. */
    private static @org.jspecify.annotations.Nullable String field(JsonNode n, java.util.List<String> names) {
        for (String name : names) {
            if (n.has(name)) {
                return name;
            }
        }
        return null;
    }

    private static Map<String, Prediction> fromObject(Path file, JsonNode obj, boolean official, Map<String, String> multipleChoice) {
        Map<String, Prediction> out = new LinkedHashMap<>();
        for (var it = obj.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode v = e.getValue();
            if (!official && v.isObject() && (v.has("multiple_choice") || v.has("direct_answer"))) {
                out.put(e.getKey(), leaderboard(file, e.getKey(), v, multipleChoice));
            } else {
                out.put(e.getKey(), value(file, "id " + e.getKey(), e.getKey(), v, official));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** One A-OKVQA leaderboard record: the direct answer as text, the option text kept aside. */
    private static Prediction leaderboard(Path file, String id, JsonNode v, Map<String, String> multipleChoice) {
        JsonNode mc = v.get("multiple_choice");
        JsonNode da = v.get("direct_answer");
        for (var f : List.of(Map.entry("multiple_choice", mc == null ? Json.mapper().nullNode() : mc),
                Map.entry("direct_answer", da == null ? Json.mapper().nullNode() : da))) {
            if (!f.getValue().isNull() && !f.getValue().isTextual()) {
                throw new EvaluationException(file + ": id " + id + ": field \"" + f.getKey() + "\" must be answer text, found "
                        + f.getValue().getNodeType());
            }
        }
        if (mc != null && mc.isTextual()) {
            multipleChoice.put(id, mc.textValue());
        }
        String text = da != null && da.isTextual() ? da.textValue() : mc != null && mc.isTextual() ? mc.textValue() : "";
        return Prediction.ofText(id, text);
    }

    /** The JSON list of records evaluation servers take. */
    private static Map<String, Prediction> fromList(Path file, JsonNode list) {
        Map<String, Prediction> out = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            record(file, file + ": [" + i + "]", "[" + i + "]", list.get(i), out);
        }
        if (out.isEmpty()) {
            throw new EvaluationException(file + ": the list holds no predictions");
        }
        return Collections.unmodifiableMap(out);
    }

    private static Map<String, Prediction> fromJsonLines(Path file, String text) {
        Map<String, Prediction> out = new LinkedHashMap<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = file + ": line " + (i + 1);
            JsonNode n;
            try {
                n = Json.mapper().readTree(line);
            } catch (JsonProcessingException e) {
                throw new EvaluationException(where + ": invalid JSON: " + Json.problem(e), e);
            }
            record(file, where, "line " + (i + 1), n, out);
        }
        if (out.isEmpty()) {
            throw new EvaluationException(file + ": no predictions found");
        }
        return Collections.unmodifiableMap(out);
    }

    /** One {@code {"id": ..., "prediction": ...}} record (a JSON Lines line or a list element) into {@code out}. */
    private static void record(Path file, String where, String position, @org.jspecify.annotations.Nullable JsonNode n,
            Map<String, Prediction> out) {
        if (n == null || !n.isObject()) {
            throw new EvaluationException(where + ": expected an object {\"id\": ..., \"prediction\": ...}");
        }
        String idField = field(n, ID_FIELDS);
        JsonNode id = idField == null ? null : n.get(idField);
        if (id == null || !(id.isTextual() || id.isIntegralNumber())) {
            throw new EvaluationException(where + ": field \"" + (idField == null ? "id" : idField)
                    + "\" must be a string or an integer, found " + (id == null ? "nothing" : id.getNodeType()));
        }
        String predictionField = field(n, PREDICTION_FIELDS);
        if (predictionField == null) {
            throw new EvaluationException(where + ": field \"prediction\" is missing (or \"answer\", \"caption\", \"text\")");
        }
        String key = id.asText();
        if (out.containsKey(key)) {
            throw new EvaluationException(where + ": id " + key + " appears twice");
        }
        out.put(key, value(file, position, key, n.get(predictionField), false));
    }

    private static Prediction value(Path file, String where, String id, JsonNode v, boolean official) {
        if (v.isNull()) {
            return Prediction.ofText(id, "");
        }
        if (v.isIntegralNumber() && v.canConvertToInt()) {
            int i = v.intValue();
            return Prediction.builder().exampleId(id).choiceIndex(i).text(String.valueOf(i)).build();
        }
        if (v.isFloatingPointNumber() && v.doubleValue() == Math.rint(v.doubleValue()) && Math.abs(v.doubleValue()) < 1e9) {
            int i = (int) v.doubleValue();
            return Prediction.builder().exampleId(id).choiceIndex(i).text(String.valueOf(i)).build();
        }
        if (v.isTextual()) {
            String s = v.asText();
            if (official && s.strip().matches("-?[0-9]{1,9}")) {
                int i = Integer.parseInt(s.strip());
                return Prediction.builder().exampleId(id).choiceIndex(i).text(s).build();
            }
            return Prediction.ofText(id, s);
        }
        throw new EvaluationException(
                file + ": " + where + ": prediction must be a choice index or answer text, found " + v.getNodeType());
    }
}
