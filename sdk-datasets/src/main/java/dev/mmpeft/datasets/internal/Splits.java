package dev.mmpeft.datasets.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.DatasetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a {@code pid_splits.json}: an object of split name to the list of its pids. */
final class Splits {
    private Splits() {}

    static Map<String, List<String>> read(Path file) {
        JsonNode root = readJson(file);
        if (!root.isObject()) {
            throw new DatasetException(file, null, null,
                    "expected a JSON object of split name to pid list, found " + RecordFields.describe(root));
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String split = e.getKey();
            JsonNode list = e.getValue();
            if (!list.isArray()) {
                throw new DatasetException(file, "split '" + split + "'", null,
                        "expected a list of pids, found " + RecordFields.describe(list));
            }
            List<String> pids = new ArrayList<>(list.size());
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                JsonNode p = list.get(i);
                String pid;
                if (p.isTextual()) {
                    pid = p.textValue();
                } else if (p.isIntegralNumber()) {
                    pid = p.asText();
                } else {
                    throw new DatasetException(file, "split '" + split + "'", "[" + i + "]",
                            "expected a pid (string), found " + RecordFields.describe(p));
                }
                if (!seen.add(pid)) {
                    throw new DatasetException(file, "split '" + split + "'", null, "pid " + pid + " is listed twice");
                }
                pids.add(pid);
            }
            out.put(split, pids);
        }
        return out;
    }

    static JsonNode readJson(Path file) {
        try {
            return Json.mapper().readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new DatasetException(file, null, null, "file not found");
        } catch (JsonProcessingException e) {
            throw new DatasetException(file, null, null,
                    "invalid JSON: " + JsonObjectIndex.clean(e.getOriginalMessage()) + JsonObjectIndex.at(e.getLocation()), e);
        } catch (IOException e) {
            throw new DatasetException(file, null, null, "cannot read: " + e.getMessage(), e);
        }
    }
}
