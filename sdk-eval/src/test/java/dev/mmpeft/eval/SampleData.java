package dev.mmpeft.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.testing.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds examples straight from the official files of the shared samples, so the evaluators are
 * tested on real records independently of the dataset readers (the CLI test uses those).
 */
final class SampleData {
    private SampleData() {}

    /** The test split of ../shared/data/scienceqa-sample in pid_splits order. */
    static List<MultimodalExample> scienceQaTest() {
        Path root = SharedFiles.get("data/scienceqa-sample");
        JsonNode problems = Json.read(root.resolve("problems.json"));
        JsonNode splits = Json.read(root.resolve("pid_splits.json"));
        List<MultimodalExample> out = new ArrayList<>();
        for (JsonNode pidNode : splits.get("test")) {
            String pid = pidNode.asText();
            JsonNode r = problems.get(pid);
            var b = MultimodalExample.builder()
                    .id(pid)
                    .split("test")
                    .question(r.get("question").asText())
                    .answerIndex(r.get("answer").asInt())
                    .context(r.get("hint").asText())
                    .putMetadata("subject", r.get("subject").asText())
                    .putMetadata("grade", r.get("grade").asText())
                    .putMetadata("topic", r.get("topic").asText());
            r.get("choices").forEach(c -> b.addChoices(c.asText()));
            if (!r.get("image").isNull()) {
                b.addImages(root.resolve("images/test/" + pid + "/" + r.get("image").asText()));
            }
            out.add(b.build());
        }
        return out;
    }

    /** All examples of ../shared/data/iconqa-sample (test split), by sub-task then pid. */
    static List<MultimodalExample> iconQaTest() {
        Path root = SharedFiles.get("data/iconqa-sample/iconqa/test");
        List<MultimodalExample> out = new ArrayList<>();
        for (String task : List.of("choose_txt", "choose_img", "fill_in_blank")) {
            List<Path> dirs;
            try (Stream<Path> s = Files.list(root.resolve(task))) {
                dirs = s.sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString()))).toList();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            for (Path dir : dirs) {
                JsonNode d = Json.read(dir.resolve("data.json"));
                var b = MultimodalExample.builder()
                        .id(dir.getFileName().toString())
                        .split("test")
                        .question(d.get("question").asText())
                        .addImages(dir.resolve("image.png"))
                        .putMetadata("ques_type", d.get("ques_type").asText())
                        .putMetadata("grade", d.get("grade").asText());
                if (d.has("choices")) {
                    d.get("choices").forEach(c -> b.addChoices(c.asText()));
                    b.answerIndex(d.get("answer").asInt());
                } else {
                    b.addAnswers(d.get("answer").asText());
                }
                out.add(b.build());
            }
        }
        return out;
    }
}
