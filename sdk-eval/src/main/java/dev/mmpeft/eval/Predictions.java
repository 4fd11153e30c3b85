package dev.mmpeft.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.core.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
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
 *   <li>JSON Lines, one {@code {"id": ..., "prediction": ...}} per line; {@code question_id} or
 *       {@code pid} may stand for {@code id} and {@code text}, {@code pred} or {@code answer} for
 *       {@code prediction}, so the answer files of LLaVA-style evaluation scripts
 *       ({@code {"question_id": ..., "text": "B", ...}}) read as they are.
 * </ul>
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
        JSONL
    }

    /** Predictions by example id, in file order, and the shape of the file. */
    public record Read(Map<String, Prediction> predictions, Format format) {}

    /**
     * Reads a predictions file.
     *
     * @throws EvaluationException naming the file, and the line or id and field at fault
     */
    public static Map<String, Prediction> read(Path file) {
        return readWithFormat(file).predictions();
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
        if (whole != null && !(whole.isObject() && isJsonlRecord(whole) && text.strip().indexOf('\n') < 0)) {
            if (!whole.isObject()) {
                throw new EvaluationException(
                        file + ": expected a JSON object {pid: value}, {\"results\": {...}} or JSON Lines, found "
                                + whole.getNodeType());
            }
            JsonNode results = whole.get("results");
            if (results != null) {
                if (!results.isObject()) {
                    throw new EvaluationException(
                            file + ": field \"results\" must be an object {pid: value}, found " + results.getNodeType());
                }
                return new Read(fromObject(file, results, true), Format.RESULTS);
            }
            return new Read(fromObject(file, whole, false), Format.PLAIN);
        }
        return new Read(fromJsonLines(file, text), Format.JSONL);
    }

    private static final java.util.List<String> ID_FIELDS = java.util.List.of("id", "question_id", "pid");
    private static final java.util.List<String> PREDICTION_FIELDS = java.util.List.of("prediction", "text", "pred", "answer");

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

    private static Map<String, Prediction> fromObject(Path file, JsonNode obj, boolean official) {
        Map<String, Prediction> out = new LinkedHashMap<>();
        for (var it = obj.fields(); it.hasNext(); ) {
            var e = it.next();
            out.put(e.getKey(), value(file, "id " + e.getKey(), e.getKey(), e.getValue(), official));
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
                throw new EvaluationException(where + ": invalid JSON: " + e.getOriginalMessage(), e);
            }
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
                throw new EvaluationException(where + ": field \"prediction\" is missing");
            }
            String key = id.asText();
            if (out.containsKey(key)) {
                throw new EvaluationException(where + ": id " + key + " appears twice");
            }
            out.put(key, value(file, "line " + (i + 1), key, n.get(predictionField), false));
        }
        if (out.isEmpty()) {
            throw new EvaluationException(file + ": no predictions found");
        }
        return Collections.unmodifiableMap(out);
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
