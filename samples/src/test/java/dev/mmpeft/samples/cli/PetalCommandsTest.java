package dev.mmpeft.samples.cli;

import static dev.mmpeft.samples.cli.CliRunner.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.samples.quickstart.DefaultModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PETAL's commands end to end on the embedded default model: {@code train} then {@code evaluate}
 * on a captioning task (generation, CIDEr that training raises) and an open-VQA task with
 * {@code --method dma}; {@code score --format textvqa} on answers whose EvalAI accuracy is worked
 * out by hand; {@code dataset} counts; {@code inspect --method dma}; and the ablation sweep.
 */
class PetalCommandsTest {
    @TempDir static Path cache;

    @BeforeAll
    static void isolate() {
        SmallTask.isolateCache(cache);
    }

    private static Path generate(Path dir, String layout, int train, int val, int test) {
        CliRunner g = run("dataset", "generate", "--layout", layout, "--out", dir.toString(), "--train", String.valueOf(train),
                "--val", String.valueOf(val), "--test", String.valueOf(test), "--image-size", "56", "--seed", "3");
        assertEquals(0, g.code(), g.toString());
        return dir;
    }

    private static double metric(String out, String name) {
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(name) + ": ([0-9.]+)").matcher(out);
        assertTrue(m.find(), name + " in " + out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void captioningTrainingRaisesCiderAndEvaluateGeneratesTheSameCaptions(@TempDir Path tmp) {
        Path model = DefaultModel.directory();
        Path data = generate(tmp.resolve("captions"), "flickr30k", 48, 8, 12);
        Path out = tmp.resolve("run");
        CliRunner train = run("train", "--model", model.toString(), "--data", data.toString(), "--format", "flickr30k", "--output",
                out.toString(), "--lr", "2e-2", "--epochs", "4", "--zero-shot");
        assertEquals(0, train.code(), train.toString());
        JsonNode summary = Json.read(out.resolve("summary.json"));
        double zeroShot = summary.get("zero_shot_accuracy").asDouble();
        double tuned = summary.get("accuracy").asDouble();
        // measured: CIDEr 0.7328 zero-shot -> 0.8096 after two epochs (the best validation)
        assertTrue(tuned > zeroShot + 0.03, "CIDEr " + zeroShot + " -> " + tuned);
        assertEquals(100 * tuned, metric(train.out(), "CIDEr"), 0.005, train.out());
        for (String m : List.of("ROUGE-1 F1", "ROUGE-1 recall", "ROUGE-L F1", "ROUGE-L recall")) {
            double v = metric(train.out(), m);
            assertTrue(v > 0 && v <= 100, m + " " + v);
        }

        CliRunner eval = run("evaluate", "--model", model.toString(), "--adapter", out.resolve("adapter").toString(), "--data",
                data.toString(), "--format", "flickr30k");
        assertEquals(0, eval.code(), eval.toString());
        assertTrue(eval.out().contains("flickr30k on flickr30k split 'test' (12 examples):"), eval.out());
        assertEquals(metric(train.out(), "CIDEr"), metric(eval.out(), "CIDEr"), 1e-9, "evaluate --adapter vs the training's test score");
        assertEquals(metric(train.out(), "ROUGE-L recall"), metric(eval.out(), "ROUGE-L recall"), 1e-9);
    }

    @Test
    void openVqaTrainsPetalAndEvaluatesByGeneration(@TempDir Path tmp) throws Exception {
        Path model = DefaultModel.directory();
        Path data = generate(tmp.resolve("vqa"), "textvqa", 16, 4, 6);
        Path out = tmp.resolve("run");
        CliRunner train = run("train", "--model", model.toString(), "--data", data.toString(), "--format", "textvqa", "--output",
                out.toString(), "--method", "dma", "--rank", "8", "--lr", "1e-2", "--epochs", "2");
        assertEquals(0, train.code(), train.toString());
        JsonNode summary = Json.read(out.resolve("summary.json"));
        assertEquals("petal-dma-r8", summary.get("setting").asText());
        assertEquals("MMPEFT_DMA", Json.read(out.resolve("adapter/adapter_config.json")).get("peft_type").asText());
        double accuracy = summary.get("accuracy").asDouble();

        CliRunner eval = run("evaluate", "--model", model.toString(), "--adapter", out.resolve("adapter").toString(), "--data",
                data.toString(), "--format", "textvqa");
        assertEquals(0, eval.code(), eval.toString());
        Matcher m = Pattern.compile("textvqa on textvqa split 'test' \\(6 examples\\): ([0-9.]+)%").matcher(eval.out());
        assertTrue(m.find(), eval.out());
        assertEquals(String.format(Locale.ROOT, "%.2f", accuracy), m.group(1), "evaluate --adapter vs the training's test score");
    }

    /**
     * Four test questions with hand-set answers; EvalAI's accuracy averages min(1, matches among
     * the other nine / 3) over the ten leave-one-out subsets:
     * "Orange." vs 10 x orange -> 1; "red" vs 3 red + 7 blue -> (3 x 2/3 + 7 x 1) / 10 = 0.9;
     * "star" vs 1 star + 9 circle -> (1 x 0 + 9 x 1/3) / 10 = 0.3; "green" vs 10 x blue -> 0;
     * mean 2.2 / 4 = 55.00.
     */
    @Test
    void scoreTextVqaPrintsEvalAiAccuracyForJsonLinesAndServerLists(@TempDir Path tmp) throws Exception {
        Path data = generate(tmp.resolve("vqa"), "textvqa", 4, 2, 4);
        Path testFile = data.resolve("TextVQA_0.5.1_test.json");
        ObjectNode root = (ObjectNode) Json.read(testFile);
        ArrayNode records = (ArrayNode) root.get("data");
        assertEquals(4, records.size());
        List<List<String>> answers = List.of(repeat("orange", 10), concat(repeat("red", 3), repeat("blue", 7)),
                concat(repeat("star", 1), repeat("circle", 9)), repeat("blue", 10));
        List<String> predicted = List.of("Orange.", "red", "star", "green");
        StringBuilder jsonl = new StringBuilder();
        ArrayNode server = Json.mapper().createArrayNode();
        for (int i = 0; i < 4; i++) {
            ObjectNode r = (ObjectNode) records.get(i);
            ArrayNode a = r.putArray("answers");
            answers.get(i).forEach(a::add);
            long qid = r.get("question_id").asLong();
            jsonl.append(String.format(Locale.ROOT, "{\"question_id\": %d, \"answer\": \"%s\"}%n", qid, predicted.get(i)));
            server.addObject().put("question_id", qid).put("answer", predicted.get(i));
        }
        Files.writeString(testFile, Json.write(root));
        Path lines = Files.writeString(tmp.resolve("answers.jsonl"), jsonl);
        Path list = Files.writeString(tmp.resolve("answers.json"), Json.write(server));

        for (Path preds : List.of(lines, list)) {
            CliRunner r = run("score", "--format", "textvqa", "--data", data.toString(), "--predictions", preds.toString());
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("accuracy: 55.00"), r.out());
        }
        CliRunner counts = run("dataset", "--format", "textvqa", "--root", data.toString());
        assertEquals(0, counts.code(), counts.toString());
        assertTrue(Pattern.compile("(?m)^test\\s+4\\s+4\\s+0$").matcher(counts.out()).find(), counts.out());
        assertTrue(Pattern.compile("(?m)^total\\s+10\\s+10\\s+0$").matcher(counts.out()).find(), counts.out());
    }

    /** A-OKVQA's leaderboard file on the reader's real-format fixture: the numbers sdk-datasets' OpenScoringEndToEndTest works out. */
    @Test
    void scoreAOkVqaPrintsMultipleChoiceAndDirectAnswerAccuracy(@TempDir Path tmp) throws Exception {
        Path data = Path.of("..", "sdk-datasets", "src", "test", "resources", "open", "aokvqa").toAbsolutePath().normalize();
        assertTrue(Files.isDirectory(data), "missing test resource " + data);
        Path preds = Files.writeString(tmp.resolve("leaderboard.json"),
                "{\"22jbM6gDxdaMaunuzgrsBB\": {\"multiple_choice\": \"cigarette\", \"direct_answer\": \"smoke\"},"
                        + " \"2BPvdGSNdXLGXpJxiEzBMY\": {\"multiple_choice\": \"thirty\", \"direct_answer\": \"30\"}}");
        CliRunner r = run("score", "--format", "aokvqa", "--data", data.toString(), "--split", "val", "--predictions", preds.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("accuracy: 33.33\nMC accuracy: 100.00\nDA accuracy: 33.33\n"), r.out());
    }

    /** Captions that copy each image's first reference: ROUGE-1 and ROUGE-L (best reference) are 100, CIDEr as the SDK's. */
    @Test
    void scoreCaptionsPrintsCiderAndRouge(@TempDir Path tmp) throws Exception {
        Path data = generate(tmp.resolve("captions"), "flickr30k", 4, 2, 5);
        List<dev.mmpeft.core.MultimodalExample> test = dev.mmpeft.datasets.DatasetReaders.forFormat("flickr30k").root(data)
                .split("test").readAll();
        assertEquals(5, test.size());
        ArrayNode preds = Json.mapper().createArrayNode();
        test.forEach(e -> preds.addObject().put("image_id", e.id()).put("caption", e.answers().get(0)));
        Path file = Files.writeString(tmp.resolve("captions.json"), Json.write(preds));
        CliRunner r = run("score", "--format", "flickr30k", "--data", data.toString(), "--predictions", file.toString());
        assertEquals(0, r.code(), r.toString());
        for (String m : List.of("ROUGE-1 F1", "ROUGE-1 recall", "ROUGE-L F1", "ROUGE-L recall")) {
            assertEquals(100.0, metric(r.out(), m), 1e-9, m);
        }
        double cider = 100 * dev.mmpeft.eval.Scores.score("flickr30k", test, file).headline();
        assertEquals(String.format(Locale.ROOT, "%.2f", cider), String.format(Locale.ROOT, "%.2f", metric(r.out(), "CIDEr")));
        assertTrue(cider > 100, "copied references score high: " + cider);
    }

    @Test
    void inspectCountsDmaOnTheFlanT5XlQformerFromItsConfig() {
        CliRunner r = run("inspect", "--method", "dma", "--target", "QFORMER_ALL",
                PeftCommandsTest.hubConfig("instructblip-flan-t5-xl").toString());
        assertEquals(0, r.code(), r.toString());
        // 2 x 64 x 768 + 64^3 (text) + 64 x 1408 + 768 x 64 + 64^3 (image) + 54 x 64 (lambdas) + 2 x 12 x 768 (Gamma)
        assertTrue(r.out().contains("trainable params: 783,744 ||"), r.out());
    }

    @Test
    void sweepRunsPetalsAblationAndWritesItsTableAndPlot(@TempDir Path tmp) throws Exception {
        Path qa = SmallTask.write(tmp.resolve("qa"));
        Path captions = generate(tmp.resolve("captions"), "flickr30k", 16, 4, 6);
        Path out = tmp.resolve("sweep");
        CliRunner r = run("sweep", "--methods", "dma", "--ablation", "sib", "--data", qa.toString(), "--caption-data",
                captions.toString(), "--epochs", "1", "--dma-rank", "4", "--output", out.toString());
        assertEquals(0, r.code(), r.toString());
        List<String> csv = Files.readAllLines(out.resolve("ablation.csv"));
        assertEquals("setting,method,dma,aim,sib,trainable_parameters,accuracy,cider,rouge_l_f1,rouge_l_recall,avg", csv.get(0));
        assertEquals(List.of("petal-dma-aim-sib-r4", "petal-dma-aim-r4"), csv.subList(1, csv.size()).stream()
                .map(l -> l.split(",")[0]).toList(), "all parts on, then SIB off");
        for (String line : csv.subList(1, csv.size())) {
            String[] c = line.split(",");
            String setting = c[0];
            JsonNode qaCell = Json.read(out.resolve("cells/qa").resolve(setting).resolve("summary.json"));
            JsonNode capCell = Json.read(out.resolve("cells/captions").resolve(setting).resolve("summary.json"));
            assertEquals(String.format(Locale.ROOT, "%.2f", qaCell.get("accuracy").asDouble()), c[6]);
            assertEquals(String.format(Locale.ROOT, "%.2f", 100 * capCell.get("breakdown").get("CIDEr").asDouble()), c[7]);
            assertEquals(qaCell.get("trainable_parameters").asText(), c[5]);
        }
        // SIB's term is logged next to the loss of every step, and only where SIB is on
        String withSib = Files.readAllLines(out.resolve("cells/qa/petal-dma-aim-sib-r4/training/metrics.jsonl")).get(0);
        assertTrue(withSib.contains("\"loss\":") && withSib.contains("\"sib_loss\":"), withSib);
        assertTrue(!Files.readString(out.resolve("cells/qa/petal-dma-aim-r4/training/metrics.jsonl")).contains("sib_loss"));
        // the SIB temperature is the one parameter between the two rows
        assertEquals(Long.parseLong(csv.get(1).split(",")[5]) - 1, Long.parseLong(csv.get(2).split(",")[5]));
        String md = Files.readString(out.resolve("ablation.md"));
        assertTrue(md.contains("| PETAL DMA+AIM+SIB | ✓ | ✓ | ✓ |"), md);
        assertTrue(md.contains("| PETAL DMA+AIM | ✓ | ✓ | × |"), md);
        assertTrue(Files.size(out.resolve("ablation.png")) > 5_000);

        // the saved PETAL adapter (DMA + AIM gate + SIB) loads and generates the captions the cell scored
        CliRunner eval = run("evaluate", "--model", DefaultModel.directory().toString(), "--adapter",
                out.resolve("cells/captions/petal-dma-aim-sib-r4/adapter").toString(), "--data", captions.toString(), "--format",
                "flickr30k");
        assertEquals(0, eval.code(), eval.toString());
        assertEquals(csv.get(1).split(",")[7], String.format(Locale.ROOT, "%.2f", metric(eval.out(), "CIDEr")), eval.out());

        CliRunner again = run("sweep", "--methods", "dma", "--ablation", "sib", "--data", qa.toString(), "--caption-data",
                captions.toString(), "--epochs", "1", "--dma-rank", "4", "--output", out.toString());
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.out().contains("[4/4] petal-dma-aim-r4 on flickr30k: done before, skipping"), again.out());

        CliRunner bad = run("sweep", "--ablation", "lora", "--data", qa.toString(), "--output", out.toString());
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.err().contains("unknown ablation part 'lora' (expected dma, aim, sib)"), bad.err());
    }

    private static List<String> repeat(String s, int n) {
        return java.util.Collections.nCopies(n, s);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
