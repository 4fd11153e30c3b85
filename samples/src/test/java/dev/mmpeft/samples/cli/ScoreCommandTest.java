package dev.mmpeft.samples.cli;

import static dev.mmpeft.samples.cli.CliRunner.run;
import static dev.mmpeft.samples.cli.CliRunner.shared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./mmpeft score} on the real samples in ../shared/data with the dataset readers.
 *
 * <p>The ScienceQA run uses a hand-made prediction set for the 50 test records (30 NAT, 9 SOC,
 * 11 LAN): every NAT answer right except pid 5 (NAT, hint + image, grade 8), which is unreadable
 * text; every SOC answer right (pid 11 as "(b) New Hampshire", pid 47 as the bare option text);
 * every LAN answer wrong. Worked out per group:
 * NAT 29/30 = 96.67; SOC 9/9 = 100.00; LAN 0/11 = 0.00;
 * TXT (24 NAT incl. pid 5, 1 SOC) 24/25 = 96.00; IMG (16 NAT incl. pid 5, 8 SOC) 23/24 = 95.83;
 * NO (5 NAT, 1 SOC, 11 LAN) 6/17 = 35.29; G1-6 (22 NAT, 9 SOC, 5 LAN) 31/36 = 86.11;
 * G7-12 (8 NAT incl. pid 5, 6 LAN) 7/14 = 50.00; Avg 38/50 = 76.00.
 */
class ScoreCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The hand-made predictions described in the class comment, as {pid: value}. */
    static Map<String, Object> handMade() throws IOException {
        Path root = shared("data/scienceqa-sample");
        JsonNode problems = JSON.readTree(root.resolve("problems.json").toFile());
        JsonNode test = JSON.readTree(root.resolve("pid_splits.json").toFile()).get("test");
        Map<String, Object> p = new LinkedHashMap<>();
        for (JsonNode pidNode : test) {
            String pid = pidNode.asText();
            JsonNode r = problems.get(pid);
            int answer = r.get("answer").asInt();
            int n = r.get("choices").size();
            switch (pid) {
                case "5" -> p.put(pid, "I am not sure");
                case "11" -> p.put(pid, "(b) New Hampshire");
                case "47" -> p.put(pid, r.get("choices").get(answer).asText());
                default -> p.put(pid, r.get("subject").asText().equals("language science") ? (answer + 1) % n : answer);
            }
        }
        return p;
    }

    /** The printed table as group -> "value (examples)". */
    static Map<String, String> table(String out) {
        Map<String, String> t = new LinkedHashMap<>();
        var m = java.util.regex.Pattern.compile("(?m)^  (\\S+)\\s+([0-9.]+)  \\((\\d+)\\)$").matcher(out);
        while (m.find()) {
            t.put(m.group(1), m.group(2) + " (" + m.group(3) + ")");
        }
        return t;
    }

    private static void assertGroups(String out) {
        Map<String, String> t = table(out);
        assertEquals(List.of("NAT", "SOC", "LAN", "TXT", "IMG", "NO", "G1-6", "G7-12", "Avg"),
                List.copyOf(t.keySet()).subList(0, 9), out);
        assertEquals("96.67 (30)", t.get("NAT"));
        assertEquals("100.00 (9)", t.get("SOC"));
        assertEquals("0.00 (11)", t.get("LAN"));
        assertEquals("96.00 (25)", t.get("TXT"));
        assertEquals("95.83 (24)", t.get("IMG"));
        assertEquals("35.29 (17)", t.get("NO"));
        assertEquals("86.11 (36)", t.get("G1-6"));
        assertEquals("50.00 (14)", t.get("G7-12"));
        assertEquals("76.00 (50)", t.get("Avg"));
        assertEquals("100.00 (10)", t.get("topic=biology"));
        assertTrue(out.contains("1 answer(s) missing or unreadable (counted as wrong): 5"), out);
        assertTrue(out.contains("\nAvg: 76.00"), out);
    }

    @Test
    void scienceQaOfficialResultsFormatWithReports(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("results.json");
        Files.writeString(file, JSON.writeValueAsString(Map.of("acc", 76.0, "results", handMade())));
        Path reports = dir.resolve("reports");
        CliRunner r = run("score", "--format", "scienceqa", "--root", shared("data/scienceqa-sample").toString(),
                "--split", "test", "--predictions", file.toString(), "--report-dir", reports.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("scienceqa accuracy on scienceqa split 'test': 50 examples, 50 predictions (results), 50 matched"), r.out());
        assertGroups(r.out());
        JsonNode json = JSON.readTree(reports.resolve("result.json").toFile());
        assertEquals(76.0, json.get("headline").asDouble(), 1e-9);
        assertEquals(100.0 * 6 / 17, json.get("breakdown").get("NO").asDouble(), 1e-9);
        assertTrue(Files.readString(reports.resolve("result.md")).contains("| IMG | 95.83 | 24 |"));
        BufferedImage png = ImageIO.read(reports.resolve("result.png").toFile());
        assertEquals(1000, png.getWidth());
        assertEquals(560, png.getHeight());
    }

    @Test
    void scienceQaJsonLinesAndPlainObjectGiveTheSameNumbers(@TempDir Path dir) throws IOException {
        StringBuilder jsonl = new StringBuilder();
        for (var e : handMade().entrySet()) {
            jsonl.append(JSON.writeValueAsString(Map.of("id", e.getKey(), "prediction", e.getValue()))).append('\n');
        }
        Path jl = dir.resolve("preds.jsonl");
        Files.writeString(jl, jsonl, StandardCharsets.UTF_8);
        CliRunner r = run("score", "--format", "scienceqa", "--root", shared("data/scienceqa-sample").toString(),
                "--predictions", jl.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("50 predictions (jsonl)"), r.out());
        assertGroups(r.out());

        Path plain = dir.resolve("plain.json");
        Files.writeString(plain, JSON.writeValueAsString(handMade()));
        CliRunner p = run("score", "--format", "scienceqa", "--root", shared("data/scienceqa-sample").toString(),
                "--predictions", plain.toString());
        assertEquals(0, p.code(), p.err());
        assertGroups(p.out());
    }

    @Test
    void iconQaReleasedResultsOnTheSample(@TempDir Path dir) throws IOException {
        // The paper's released Patch-TRM predictions for the pids of the IconQA sample (see sdk-eval's
        // golden file): choose_img 9/10, choose_txt 41/50, fill_in_blank 6/10.
        Path file = dir.resolve("results.json");
        Files.writeString(file, "{\"results\": {\"4\": 0, \"11\": 1, \"12\": 0, \"21\": 0, \"26\": 0, \"42\": 3, \"43\": 0,"
                + " \"51\": 0, \"52\": 1, \"54\": 1, \"20\": \"8,488\", \"48\": \"1\", \"62\": \"8\", \"103\": \"1\", \"114\": \"77\","
                + " \"174\": \"4\", \"220\": \"100\", \"405\": \"6\", \"424\": \"47\", \"425\": \"2\"}}");
        CliRunner r = run("score", "--format", "iconqa", "--root", shared("data/iconqa-sample").toString(),
                "--subtask", "choose_img,fill_in_blank", "--predictions", file.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(Map.of("choose_img", "90.00 (10)", "fill_in_blank", "60.00 (10)", "Avg", "75.00 (20)"), table(r.out()));
        assertTrue(r.out().contains("\nAvg: 75.00"), r.out());
    }

    @Test
    void iconQaResultFilesMergedLikeSubAcc(@TempDir Path dir) throws IOException {
        // sub_acc.py merges one result file per sub-task; so does --predictions with several files.
        Path img = dir.resolve("choose_img.json");
        Files.writeString(img, "{\"accuracy\": 82.66, \"results\": {\"4\": 0, \"11\": 1, \"12\": 0, \"21\": 0, \"26\": 0,"
                + " \"42\": 3, \"43\": 0, \"51\": 0, \"52\": 1, \"54\": 1}}");
        Path blank = dir.resolve("fill_in_blank.json");
        Files.writeString(blank, "{\"results\": {\"20\": \"8,488\", \"48\": \"1\", \"62\": \"8\", \"103\": \"1\","
                + " \"114\": \"77\", \"174\": \"4\", \"220\": \"100\", \"405\": \"6\", \"424\": \"47\", \"425\": \"2\"}}");
        CliRunner r = run("score", "--format", "iconqa", "--root", shared("data/iconqa-sample").toString(),
                "--subtask", "choose_img", "--subtask", "fill_in_blank", "--predictions", img.toString(),
                "--predictions", blank.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("20 examples, 20 predictions (results), 20 matched"), r.out());
        assertEquals(Map.of("choose_img", "90.00 (10)", "fill_in_blank", "60.00 (10)", "Avg", "75.00 (20)"), table(r.out()));
    }

    @Test
    void jsonlDatasets(@TempDir Path dir) throws IOException {
        // Multiple choice: scored as multiple-choice; open answers: exact-match; mixed: ask for --evaluator.
        Path mc = dir.resolve("mc.jsonl");
        Files.writeString(mc, "{\"id\": \"q1\", \"question\": \"Color?\", \"choices\": [\"red\", \"blue\"], \"answer\": 1, \"split\": \"test\"}\n"
                + "{\"id\": \"q2\", \"question\": \"Shape?\", \"choices\": [\"cube\", \"ball\", \"cone\"], \"answer\": 2, \"split\": \"test\"}\n");
        Path preds = dir.resolve("mc-preds.jsonl");
        Files.writeString(preds, "{\"id\": \"q1\", \"prediction\": \"(b) blue\"}\n{\"id\": \"q2\", \"prediction\": \"ball\"}\n");
        CliRunner r = run("score", "--format", "jsonl", "--root", mc.toString(), "--predictions", preds.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("multiple-choice accuracy on jsonl split 'test'"), r.out());
        assertEquals(Map.of("Avg", "50.00 (2)"), table(r.out()));

        Path open = dir.resolve("open.jsonl");
        Files.writeString(open, "{\"id\": \"f1\", \"question\": \"2+2=(_)\", \"answer\": \"4\", \"split\": \"test\"}\n");
        Path openPreds = dir.resolve("open-preds.json");
        Files.writeString(openPreds, "{\"f1\": \" 4 \"}");
        CliRunner o = run("score", "--format", "jsonl", "--root", open.toString(), "--predictions", openPreds.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().startsWith("exact-match accuracy"), o.out());
        assertEquals(Map.of("Avg", "100.00 (1)"), table(o.out()));

        Path mixed = dir.resolve("mixed");
        Files.createDirectories(mixed);
        Files.copy(mc, mixed.resolve("test.jsonl"));
        Files.writeString(mixed.resolve("test2.jsonl"), Files.readString(open).replace("\"split\": \"test\"", "\"split\": \"test\""));
        CliRunner m = run("score", "--format", "jsonl", "--root", mixed.toString(), "--predictions", preds.toString());
        assertEquals(1, m.code(), m.out());
        assertTrue(m.err().contains("--evaluator"), m.err());
    }

    @Test
    void badInputIsOneLineAndExitOne(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("p.json");
        Files.writeString(good, "{\"5\": 1}");
        CliRunner missing = run("score", "--format", "scienceqa", "--root", dir.resolve("nowhere").toString(),
                "--predictions", good.toString());
        assertEquals(1, missing.code());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        assertTrue(missing.err().contains("nowhere") && missing.err().contains("does not exist"), missing.err());

        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"results\": {\"5\": 1,}");
        CliRunner malformed = run("score", "--format", "scienceqa", "--root", shared("data/scienceqa-sample").toString(),
                "--predictions", broken.toString());
        assertEquals(1, malformed.code());
        assertEquals(1, malformed.err().strip().lines().count(), malformed.err());
        assertTrue(malformed.err().contains("broken.json"), malformed.err());

        Path wrongIds = dir.resolve("ids.json");
        Files.writeString(wrongIds, "{\"results\": {\"999999\": 1}}");
        CliRunner none = run("score", "--format", "scienceqa", "--root", shared("data/scienceqa-sample").toString(),
                "--predictions", wrongIds.toString());
        assertEquals(1, none.code());
        assertTrue(none.err().contains("none of its 1 predictions"), none.err());

        CliRunner noFile = run("score", "--format", "scienceqa", "--root", shared("data/scienceqa-sample").toString(),
                "--predictions", dir.resolve("absent.json").toString());
        assertEquals(1, noFile.code());
        assertTrue(noFile.err().contains("absent.json") && noFile.err().contains("not found"), noFile.err());

        CliRunner flags = run("score", "--format", "scienceqa");
        assertEquals(2, flags.code());
        assertTrue(flags.err().contains("Missing required options"), flags.err());
    }
}
