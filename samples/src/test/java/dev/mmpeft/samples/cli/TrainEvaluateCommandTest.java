package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.samples.quickstart.DefaultModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} then {@code evaluate --adapter}: the adapter the training saved, applied by the
 * evaluation command, gives the accuracy the training reported on the same test split.
 */
class TrainEvaluateCommandTest {
    @TempDir static Path cache;

    @BeforeAll
    static void isolate() {
        SmallTask.isolateCache(cache);
    }

    @Test
    void trainedAdapterEvaluatesToTheReportedAccuracy(@TempDir Path tmp) throws Exception {
        Path model = DefaultModel.directory();
        Path data = SmallTask.write(tmp.resolve("data"));
        Path out = tmp.resolve("run");
        CliRunner train = CliRunner.run("train", "--model", model.toString(), "--data", data.toString(), "--output", out.toString(),
                "--target", "LLM_FFN", "--rank", "2", "--lr", "5e-3", "--epochs", "3", "--zero-shot");
        assertEquals(0, train.code(), train.toString());
        JsonNode summary = Json.read(out.resolve("summary.json"));
        assertEquals("lora-llm_ffn-r2", summary.get("setting").asText());
        assertEquals(5_760, summary.get("trainable_parameters").asLong());
        assertTrue(summary.has("zero_shot_accuracy"));
        assertTrue(Files.isRegularFile(out.resolve("adapter/adapter_model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("comparison/comparison.md")));
        double trained = summary.get("accuracy").asDouble();

        Path reports = tmp.resolve("reports");
        CliRunner eval = CliRunner.run("evaluate", "--model", model.toString(), "--adapter", out.resolve("adapter").toString(),
                "--data", data.toString(), "--report-dir", reports.toString());
        assertEquals(0, eval.code(), eval.toString());
        Matcher m = Pattern.compile("scienceqa on scienceqa split 'test' \\(24 examples\\): ([0-9.]+)%").matcher(eval.out());
        assertTrue(m.find(), eval.out());
        assertEquals(String.format(Locale.ROOT, "%.2f", trained), m.group(1), "evaluate --adapter vs the training's own test score");
        assertTrue(eval.out().contains("| Avg |"), eval.out());
        assertEquals(trained, Json.read(reports.resolve("result.json")).get("headline").asDouble(), 1e-9);

        CliRunner base = CliRunner.run("evaluate", "--model", model.toString(), "--data", data.toString());
        assertEquals(0, base.code(), base.toString());
        Matcher z = Pattern.compile("\\(24 examples\\): ([0-9.]+)%").matcher(base.out());
        assertTrue(z.find(), base.out());
        assertEquals(summary.get("zero_shot_accuracy").asDouble(), Double.parseDouble(z.group(1)), 0.005,
                "evaluate without adapter vs the training's zero-shot score");
    }

    /**
     * The shipped ScienceQA sample has the images of its test split only. {@code --missing-images
     * skip} with {@code --all} reads what is there (the text questions) and says what it left out;
     * InstructBLIP then refuses a question without an image in one line naming the record (exit 1)
     * instead of training on something else than the user asked for.
     */
    @Test
    void theShippedPartialScienceQaSampleSaysWhatItReadAndWhyItCannotTrain(@TempDir Path tmp) throws Exception {
        CliRunner train = CliRunner.run("train", "--model", "embedded", "--data", CliRunner.shared("data/scienceqa-sample").toString(),
                "--output", tmp.resolve("partial").toString(), "--all", "--missing-images", "skip", "--epochs", "1",
                "--target", "LLM_FFN");
        // train: 50 records, the 22 with an image (none shipped) skipped; val: 21 of 50 skipped
        assertTrue(train.out().contains("train split: 28 examples (every record); left out: 0 by the selection, 22 whose image file"
                + " is missing"), train.out());
        assertTrue(train.out().contains("fine-tuning (lora-llm_ffn-r2) on 28 examples, validating on 29"), train.out());
        assertEquals(1, train.code(), train.toString());
        assertEquals(1, train.errLines().size(), train.err());
        assertTrue(train.err().contains("InstructBLIP takes exactly one image, found 0"), train.err());
    }

    @Test
    void badInputGivesOneLineAndNonZeroExit(@TempDir Path tmp) throws Exception {
        Path model = DefaultModel.directory();
        CliRunner noData = CliRunner.run("train", "--model", model.toString(), "--data", tmp.resolve("absent").toString(),
                "--output", tmp.resolve("o").toString());
        assertEquals(1, noData.code(), noData.toString());
        assertEquals(1, noData.err().strip().lines().count(), noData.err());
        assertTrue(noData.err().contains("absent"), noData.err());

        CliRunner format = CliRunner.run("evaluate", "--model", model.toString(), "--data", tmp.toString(), "--format", "coco");
        assertEquals(2, format.code(), format.toString());
        assertTrue(format.err().contains("unknown --format 'coco'"), format.err());

        Path corrupt = tmp.resolve("corrupt");
        Files.createDirectories(corrupt);
        Files.copy(model.resolve("config.json"), corrupt.resolve("config.json"));
        Files.write(corrupt.resolve("model.safetensors"), new byte[] {(byte) 200, 0, 0, 0, 0, 0, 0, 0, '{'});
        Path data = SmallTask.write(tmp.resolve("data"));
        CliRunner broken = CliRunner.run("evaluate", "--model", corrupt.toString(), "--data", data.toString());
        assertEquals(1, broken.code(), broken.toString());
        assertEquals(1, broken.err().strip().lines().count(), broken.err());
        assertTrue(broken.err().contains("model.safetensors"), broken.err());

        CliRunner target = CliRunner.run("train", "--model", model.toString(), "--data", data.toString(), "--output",
                tmp.resolve("t").toString(), "--target", "VISION_NOPE");
        assertEquals(2, target.code(), target.toString());
        assertTrue(target.err().contains("unknown component 'VISION_NOPE'"), target.err());

        CliRunner missingFlag = CliRunner.run("train", "--model", model.toString());
        assertEquals(2, missingFlag.code(), missingFlag.toString());
    }
}
