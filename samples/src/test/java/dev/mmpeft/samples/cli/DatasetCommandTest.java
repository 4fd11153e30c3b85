package dev.mmpeft.samples.cli;

import static dev.mmpeft.samples.cli.CliRunner.run;
import static dev.mmpeft.samples.cli.CliRunner.shared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./mmpeft dataset} and {@code ./mmpeft dataset generate}: output on real and synthetic data, and bad input. */
class DatasetCommandTest {
    @TempDir Path tmp;

    private static void assertRow(String out, String... cells) {
        Pattern row = Pattern.compile("(?m)^\\s*" + String.join("\\s+", java.util.Arrays.stream(cells).map(Pattern::quote)
                .toList()) + "(\\s.*)?$");
        assertTrue(row.matcher(out).find(), () -> "no row " + List.of(cells) + " in\n" + out);
    }

    private static void assertOneLineFailure(CliRunner r, int code, String... parts) {
        assertEquals(code, r.code(), r.out() + r.err());
        if (code == 1) {
            assertEquals(1, r.errLines().size(), r.err());
        }
        for (String p : parts) {
            assertTrue(r.err().contains(p), "stderr lacks '" + p + "': " + r.err());
        }
    }

    @Test
    void scienceQaSampleCountsAndPrompts() {
        CliRunner r = run("dataset", "--format", "scienceqa", "--root", shared("data/scienceqa-sample").toString(), "--show", "1");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        String out = r.out();
        assertRow(out, "split", "examples", "with image", "with hint");
        assertRow(out, "train", "50", "22", "29");
        assertRow(out, "val", "50", "21", "29");
        assertRow(out, "test", "50", "24", "25");
        assertRow(out, "total", "150", "67", "83");
        assertTrue(out.contains("by sub-task (task):"), out);
        assertRow(out, "closed choice", "137");
        assertRow(out, "grade4", "28");
        assertTrue(out.indexOf("grade9 ") < out.indexOf("grade10 "), "grades in natural order");
        assertRow(out, "natural science", "97");
        assertTrue(out.contains("missing images: 43 example(s) name an image file that is absent (train 22, val 21)"), out);
        assertTrue(out.contains("example 1: id 1 (train), closed choice"), out);
        assertTrue(out.contains("  input:       Context: Maps have four cardinal directions"), out);
        assertTrue(out.contains("Options: (a) West Virginia (b) Louisiana (c) Arizona (d) Oklahoma Answer:\n"), out);
        assertTrue(out.contains("  target:      (a) West Virginia\n"), out);
        assertTrue(!out.contains("example 2:"), out);
    }

    @Test
    void scienceQaImagesOnlyTestSplit() {
        CliRunner r = run("dataset", "--format", "scienceqa", "--root", shared("data/scienceqa-sample").toString(),
                "--split", "test", "--images-only", "--show", "0", "--missing-images", "fail", "--check-images", "decode");
        assertEquals(0, r.code(), r.err());
        assertRow(r.out(), "test", "24", "24", "16");
        assertRow(r.out(), "total", "24", "24", "16");
        assertTrue(r.out().contains("left out on request: 26 (no image)"), r.out());
        assertTrue(r.out().contains("skipped: 0"), r.out());
        assertTrue(!r.out().contains("example 1:"), r.out());
    }

    @Test
    void iconQaSampleSubtasks() {
        CliRunner all = run("dataset", "--format", "iconqa", "--root", shared("data/iconqa-sample").toString(), "--show", "1");
        assertEquals(0, all.code(), all.err());
        assertRow(all.out(), "test", "70", "70", "0");
        assertRow(all.out(), "choose_txt", "50");
        assertRow(all.out(), "choose_img", "10");
        assertRow(all.out(), "fill_in_blank", "10");
        assertRow(all.out(), "kindergarten", "17");
        assertTrue(all.out().indexOf("prek") < all.out().indexOf("kindergarten"), all.out());
        assertTrue(all.out().contains("input:       Question: Is the number of ovals even or odd? Options: (a) odd (b) even."
                + " Short answer:"), all.out());
        CliRunner txt = run("dataset", "--format", "iconqa", "--root", shared("data/iconqa-sample").toString(), "--split", "test",
                "--subtask", "fill_in_blank", "--show", "1");
        assertEquals(0, txt.code(), txt.err());
        assertRow(txt.out(), "total", "10", "10", "0");
        assertTrue(txt.out().contains("input:       Question: What number is shown? Short answer:"), txt.out());
        assertTrue(txt.out().contains("example 1: id 20 (test), fill_in_blank"), txt.out());
        assertTrue(txt.out().contains("target:      7,364\n"), txt.out());
    }

    @Test
    void generateThenReadEveryLayout() {
        Path sqa = tmp.resolve("sqa");
        CliRunner g = run("dataset", "generate", "--out", sqa.toString(), "--train", "12", "--val", "4", "--test", "4",
                "--image-size", "32", "--seed", "5", "--variant", "shifted");
        assertEquals(0, g.code(), g.err());
        assertTrue(g.out().startsWith("wrote a synthetic scienceqa dataset to " + sqa), g.out());
        assertTrue(g.out().contains("shifted: [color_match]"), g.out());
        CliRunner r = run("dataset", "--format", "scienceqa", "--root", sqa.toString(), "--show", "1");
        assertEquals(0, r.code(), r.err());
        assertRow(r.out(), "total", "20", "20");
        assertTrue(r.out().contains("Question: Which thing has the same color as the shape? Options: (a) "), r.out());

        Path icon = tmp.resolve("icon");
        assertEquals(0, run("dataset", "generate", "--layout", "iconqa", "--out", icon.toString(), "--train", "3",
                "--val", "2", "--test", "2", "--image-size", "32", "--subtasks", "choose_txt,fill_in_blank").code());
        CliRunner ri = run("dataset", "--format", "iconqa", "--root", icon.toString(), "--split", "minival", "--show", "0");
        assertEquals(0, ri.code(), ri.err());
        assertRow(ri.out(), "total", "2", "2", "0");

        Path jsonl = tmp.resolve("jsonl");
        assertEquals(0, run("dataset", "generate", "--layout", "jsonl", "--out", jsonl.toString(), "--train", "6",
                "--val", "2", "--test", "2", "--image-size", "32", "--families", "color,position", "--text-only", "0.5")
                .code());
        CliRunner rj = run("dataset", "--format", "jsonl", "--root", jsonl.toString(), "--show", "0");
        assertEquals(0, rj.code(), rj.err());
        assertRow(rj.out(), "train", "6");
        assertRow(rj.out(), "total", "10");
    }

    @Test
    void customTemplateAndLenientMode() throws Exception {
        Path f = tmp.resolve("mine.jsonl");
        Files.writeString(f, "{\"id\": \"a\", \"question\": \"2+2?\", \"choices\": [\"3\", \"4\"], \"answer\": 1}\n"
                + "{\"id\": \"b\", \"question\": \"broken\", \"choices\": [\"3\", \"4\"], \"answer\": 5}\n");
        CliRunner strict = run("dataset", "--format", "jsonl", "--root", f.toString());
        assertOneLineFailure(strict, 1, "mmpeft dataset: ", "mine.jsonl: line 2 (id b): field 'answer': answer index 5");
        CliRunner r = run("dataset", "--format", "jsonl", "--root", f.toString(), "--lenient", "--template", "Q: {question} A:");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("skipped: 1 {field 'answer'=1}"), r.out());
        assertTrue(r.out().contains("  mine.jsonl: line 2") || r.out().contains("mine.jsonl: line 2 (id b)"), r.out());
        assertTrue(r.out().contains("input:       Q: 2+2? A:\n"), r.out());
        assertTrue(r.out().contains("target:      (b) 4\n"), r.out());
    }

    @Test
    void badInputIsOneLineAndExitCode() throws Exception {
        assertOneLineFailure(run("dataset", "--format", "scienceqa", "--root", tmp.resolve("nowhere").toString()), 1,
                "mmpeft dataset: ", "nowhere: folder not found");
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.writeString(broken.resolve("problems.json"), "{\"1\": {\"question\": \"q\",}}");
        assertOneLineFailure(run("dataset", "--format", "scienceqa", "--root", broken.toString()), 1,
                "problems.json: invalid JSON", "line 1");
        Path sample = shared("data/scienceqa-sample");
        assertOneLineFailure(run("dataset", "--format", "scienceqa", "--root", sample.toString(), "--split", "dev"), 1,
                "pid_splits.json: has no split 'dev'");
        assertOneLineFailure(run("dataset", "--format", "scienceqa", "--root", sample.toString(), "--missing-images", "fail"),
                1, "problems.json: pid 1: field 'image': image file", "images/train/1/image.png does not exist");
        assertOneLineFailure(run("dataset", "--format", "scienceqa", "--root", sample.toString(), "--template", "{qestion}"),
                1, "unknown placeholder {qestion}");
        assertOneLineFailure(run("dataset", "--format", "sqa", "--root", sample.toString()), 2, "unknown --format 'sqa'");
        assertOneLineFailure(run("dataset", "--format", "scienceqa"), 2, "--format and --root are required");
        assertOneLineFailure(run("dataset", "--format", "iconqa", "--root", sample.toString(), "--subtask", "choose"), 1,
                "unknown iconqa sub-task 'choose'");
        assertOneLineFailure(run("dataset", "--format", "scienceqa", "--root", sample.toString(), "--missing-images", "maybe"),
                2, "invalid --missing-images 'maybe'");
        Path busy = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(busy.resolve("x"), "x");
        assertOneLineFailure(run("dataset", "generate", "--out", busy.toString()), 1, "busy: already exists and is not empty");
        assertOneLineFailure(run("dataset", "generate", "--out", tmp.resolve("g").toString(), "--choices", "9"), 2,
                "choices must be 2..6, got 9");
        assertOneLineFailure(run("dataset", "generate", "--out", tmp.resolve("g").toString(), "--layout", "coco"), 2,
                "invalid --layout 'coco'");
    }

    @Test
    void helpListsTheFlags() {
        CliRunner r = run("dataset", "--help");
        assertEquals(0, r.code());
        for (String flag : List.of("--format", "--root", "--split", "--subtask", "--images-only", "--show", "generate")) {
            assertTrue(r.out().contains(flag), flag + " in\n" + r.out());
        }
        assertEquals(0, run("dataset", "generate", "--help").code());
    }
}
