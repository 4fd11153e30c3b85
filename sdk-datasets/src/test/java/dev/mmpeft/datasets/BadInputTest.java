package dev.mmpeft.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad-input case of issue 5 item 8, for each format: the message names the file, the record
 * (pid or line) and the field; in lenient mode the record is skipped, counted and logged.
 */
class BadInputTest {
    @TempDir static Path templates;
    @TempDir Path tmp;
    private Path sqa;
    private Path icon;

    @BeforeAll
    static void writeTemplates() {
        SyntheticDataset d = SyntheticDataset.builder().seed(1).train(4).val(2).test(3).imageSize(24)
                .iconQaSubtasks(List.of("choose_txt", "choose_img", "fill_in_blank")).build();
        d.writeScienceQa(templates.resolve("sqa"));
        d.writeIconQa(templates.resolve("icon"));
    }

    /** Fresh copies of the small ScienceQA and IconQA datasets for this test to damage. */
    @BeforeEach
    void writeDatasets() throws Exception {
        sqa = copy(templates.resolve("sqa"), tmp.resolve("sqa"));
        icon = copy(templates.resolve("icon"), tmp.resolve("icon"));
    }

    private static Path copy(Path from, Path to) throws Exception {
        AtomicFiles.deleteRecursively(to);
        try (var walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
        return to;
    }

    private static DatasetException fails(Executable read) {
        return assertThrows(DatasetException.class, read);
    }

    private static void assertNames(DatasetException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
    }

    private void editProblem(String pid, String from, String to) throws Exception {
        Path f = sqa.resolve("problems.json");
        String s = Files.readString(f);
        int at = s.indexOf("\"" + pid + "\" : {");
        assertTrue(at >= 0, "pid " + pid + " not found");
        int end = s.indexOf("\n  }", at);
        String record = s.substring(at, end);
        assertTrue(record.contains(from), record);
        Files.writeString(f, s.substring(0, at) + record.replace(from, to) + s.substring(end));
    }

    // ---------------- ScienceQA ----------------

    @Test
    void scienceQaMalformedJson() throws Exception {
        Path f = sqa.resolve("problems.json");
        Files.writeString(f, Files.readString(f).replaceFirst("\"answer\" : 1,", "\"answer\" : 1,,"));
        DatasetException e = fails(() -> ScienceQa.reader().root(sqa).readAll());
        assertNames(e, "problems.json", "invalid JSON", "line ");
    }

    @Test
    void scienceQaMissingAndWrongTypedFields() throws Exception {
        editProblem("2", "\"question\" :", "\"questio\" :");
        assertNames(fails(() -> ScienceQa.reader().root(sqa).split("train").readAll()),
                "problems.json: pid 2: field 'question': missing");
        writeDatasets();
        editProblem("3", "\"choices\" : [", "\"choices\" : 5, \"x\" : [");
        assertNames(fails(() -> ScienceQa.reader().root(sqa).split("train").readAll()),
                "problems.json: pid 3: field 'choices': expected a list of strings, found integer 5");
    }

    @Test
    void scienceQaAnswerOutOfRange() throws Exception {
        String s = Files.readString(sqa.resolve("problems.json"));
        int at = s.indexOf("\"1\" : {");
        int a = s.indexOf("\"answer\" : ", at);
        String old = s.substring(a, s.indexOf(',', a));
        editProblem("1", old, "\"answer\" : 7");
        DatasetException e = fails(() -> ScienceQa.reader().root(sqa).split("train").readAll());
        assertNames(e, "problems.json: pid 1: field 'answer': answer index 7 is out of range for 4 choices");
    }

    @Test
    void scienceQaMissingAndUnreadableImages() throws Exception {
        Files.delete(sqa.resolve("images/test/8/image.png"));
        MissingImageException missing = assertThrows(MissingImageException.class,
                () -> ScienceQa.reader().root(sqa).split("test").readAll());
        assertNames(missing, "problems.json: pid 8: field 'image'", "images/test/8/image.png", "does not exist");

        Files.writeString(sqa.resolve("images/test/9/image.png"), "not a picture");
        DatasetException bad = fails(() -> ScienceQa.reader().root(sqa).split("test")
                .missingImages(MissingImages.SKIP).readAll());
        assertNames(bad, "problems.json: pid 9: field 'image'", "images/test/9/image.png", "is not a PNG");

        Files.write(sqa.resolve("images/test/9/image.png"), new byte[0]);
        assertNames(fails(() -> ScienceQa.reader().root(sqa).split("test").missingImages(MissingImages.SKIP).readAll()),
                "pid 9", "is empty");

        // a PNG signature over garbage passes the header check and fails the decode check
        byte[] fake = {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5};
        Files.write(sqa.resolve("images/test/9/image.png"), fake);
        assertEquals(2, ScienceQa.reader().root(sqa).split("test").missingImages(MissingImages.SKIP).readAll().size());
        assertNames(fails(() -> ScienceQa.reader().root(sqa).split("test").missingImages(MissingImages.SKIP)
                .imageCheck(ImageCheck.DECODE).readAll()), "pid 9", "field 'image'", "cannot be decoded");
    }

    @Test
    void scienceQaPathEscapes() throws Exception {
        editProblem("2", "\"image\" : \"image.png\"", "\"image\" : \"../../../../secret.png\"");
        assertNames(fails(() -> ScienceQa.reader().root(sqa).split("train").readAll()),
                "problems.json: pid 2: field 'image'", "'../../../../secret.png' escapes the dataset root");
        writeDatasets();
        editProblem("2", "\"image\" : \"image.png\"", "\"image\" : \"/etc/passwd\"");
        assertNames(fails(() -> ScienceQa.reader().root(sqa).split("train").readAll()),
                "pid 2: field 'image'", "absolute path '/etc/passwd' is not allowed");
        writeDatasets();
        editProblem("2", "\"split\" : \"train\"", "\"split\" : \"../..\"");
        assertNames(fails(() -> ScienceQa.reader().root(sqa).split("train").readAll()),
                "pid 2: field 'split'", "escapes the dataset root");
        writeDatasets();
        // a symbolic link that leads outside the root
        Path outside = tmp.resolve("outside.png");
        Files.copy(sqa.resolve("images/train/3/image.png"), outside);
        Files.delete(sqa.resolve("images/train/3/image.png"));
        Files.createSymbolicLink(sqa.resolve("images/train/3/image.png"), outside);
        assertNames(fails(() -> ScienceQa.reader().root(sqa).split("train").readAll()),
                "pid 3: field 'image'", "outside the dataset root");
    }

    @Test
    void scienceQaSplitFileProblems() throws Exception {
        Path splits = sqa.resolve("pid_splits.json");
        Files.writeString(splits, Files.readString(splits).replaceFirst("\"test\" : \\[ \"7\"", "\"test\" : [ \"77\""));
        assertNames(fails(() -> ScienceQa.reader().root(sqa).split("test").readAll()),
                "pid_splits.json: split 'test': pid 77 is not in problems.json");
        assertNames(fails(() -> ScienceQa.reader().root(sqa).split("dev").readAll()),
                "pid_splits.json: has no split 'dev' (available: train, val, test, trainval, minitrain, minival, minitest)");
        Files.writeString(splits, "{\"train\": [\"1\", \"1\"]}");
        assertNames(fails(() -> ScienceQa.reader().root(sqa).split("train").readAll()),
                "pid_splits.json: split 'train': pid 1 is listed twice");
        Files.writeString(splits, "[1, 2");
        assertNames(fails(() -> ScienceQa.reader().root(sqa).readAll()), "pid_splits.json: invalid JSON");
        Files.delete(sqa.resolve("problems.json"));
        assertNames(fails(() -> ScienceQa.reader().root(sqa).readAll()), "problems.json: file not found");
        assertNames(fails(() -> ScienceQa.reader().root(tmp.resolve("nowhere")).readAll()), "nowhere", "folder not found");
        assertNames(fails(() -> ScienceQa.reader().readAll()), "no dataset root given");
    }

    @Test
    void pidsThatAreNotFolderNamesAreRefused() throws Exception {
        Path problems = sqa.resolve("problems.json");
        Files.writeString(problems, Files.readString(problems).replaceFirst("\"1\" : \\{", "\"../1\" : {"));
        Path splits = sqa.resolve("pid_splits.json");
        Files.writeString(splits, Files.readString(splits).replaceFirst("\"train\" : \\[ \"1\"", "\"train\" : [ \"../1\""));
        assertNames(fails(() -> ScienceQa.reader().root(sqa).split("train").readAll()),
                "problems.json: pid ../1", "is not a plain folder name");
        Path iconSplits = icon.resolve("pid_splits.json");
        Files.writeString(iconSplits, Files.readString(iconSplits).replaceFirst("\"choose_txt_train\" : \\[ \"1\"",
                "\"choose_txt_train\" : [ \"../../1\""));
        assertNames(fails(() -> IconQa.reader().root(icon).split("train").subtasks(IconQa.CHOOSE_TXT).readAll()),
                "pid_splits.json: split 'choose_txt_train'", "pid '../../1' is not a plain folder name");
    }

    @Test
    void scienceQaDuplicatePid() throws Exception {
        Path f = sqa.resolve("problems.json");
        String s = Files.readString(f);
        Files.writeString(f, s.replaceFirst("\"2\" : \\{", "\"1\" : {"));
        assertNames(fails(() -> ScienceQa.reader().root(sqa).readAll()), "problems.json: pid 1: duplicate pid at line");
    }

    @Test
    void scienceQaLenientModeSkipsCountsAndLogs() throws Exception {
        String s = Files.readString(sqa.resolve("problems.json"));
        int at = s.indexOf("\"1\" : {");
        int a = s.indexOf("\"answer\" : ", at);
        editProblem("1", s.substring(a, s.indexOf(',', a)), "\"answer\" : -1");
        editProblem("3", "\"question\" :", "\"query\" :");
        Files.delete(sqa.resolve("images/train/4/image.png"));
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        List<MultimodalExample> kept;
        ReadReport report;
        try (DatasetStream stream = ScienceQa.reader().root(sqa).split("train").lenient(true).open()) {
            kept = stream.stream().toList();
            report = stream.report();
        } finally {
            System.setErr(saved);
        }
        assertEquals(List.of("2"), kept.stream().map(MultimodalExample::id).toList());
        assertEquals(3, report.skipped());
        assertEquals(Map.of("field 'answer'", 1L, "field 'question'", 1L, "missing image", 1L), report.skippedByReason());
        assertEquals(3, report.skipMessages().size());
        assertTrue(report.skipMessages().get(0).contains("pid 1: field 'answer'"), report.skipMessages().toString());
        String log = err.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("skipped: ") && log.contains("pid 3: field 'question': missing"), log);
        assertTrue(log.contains("skipped 3 bad record(s)"), log);
        assertTrue(report.toString().contains("1 examples") && report.toString().contains("3 skipped"), report.toString());
    }

    // ---------------- IconQA ----------------

    private Path iconPid(String task, String pid) {
        return icon.resolve("iconqa/train").resolve(task).resolve(pid);
    }

    @Test
    void iconQaBadRecords() throws Exception {
        // folder mode: data.json is the record
        Files.delete(icon.resolve("pid_splits.json"));
        Files.delete(icon.resolve("problems.json"));
        Path data = iconPid("choose_txt", "1").resolve("data.json");
        Files.writeString(data, "{\"question\": \"x\", \"choices\": [\"a\", \"b\"], ");
        assertNames(fails(() -> IconQa.reader().root(icon).split("train").readAll()),
                "iconqa/train/choose_txt/1/data.json: pid 1: invalid JSON");
        Files.writeString(data, "{\"question\": \"x\", \"choices\": [\"a\", \"b\"], \"answer\": 2}");
        assertNames(fails(() -> IconQa.reader().root(icon).split("train").readAll()),
                "data.json: pid 1: field 'answer': answer index 2 is out of range for 2 choices");
        Files.writeString(data, "{\"choices\": [\"a\", \"b\"], \"answer\": 1}");
        assertNames(fails(() -> IconQa.reader().root(icon).split("train").readAll()),
                "data.json: pid 1: field 'question': missing");
        Files.writeString(data, "{\"question\": \"x\", \"choices\": [\"a\", \"b\"], \"answer\": 1, \"ques_type\": \"choose_img\"}");
        assertNames(fails(() -> IconQa.reader().root(icon).split("train").readAll()),
                "pid 1: field 'ques_type': is 'choose_img' but the record lies under the sub-task folder 'choose_txt'");
        Files.writeString(data, "{\"question\": \"x\", \"choices\": [\"a\", \"b\"], \"answer\": 1}");
        Files.delete(iconPid("choose_txt", "1").resolve("image.png"));
        assertNames(assertThrows(MissingImageException.class, () -> IconQa.reader().root(icon).split("train").readAll()),
                "data.json: pid 1: field 'image'", "choose_txt/1/image.png does not exist");
    }

    @Test
    void iconQaChoiceImagePathEscapeAndUnreadable() throws Exception {
        Files.delete(icon.resolve("problems.json"));
        Path dir = icon.resolve("iconqa/train/choose_img");
        String pid = Files.list(dir).map(p -> p.getFileName().toString()).sorted().findFirst().orElseThrow();
        Path data = dir.resolve(pid).resolve("data.json");
        String json = Files.readString(data);
        Files.writeString(data, json.replace("\"choice_1.png\"", "\"../../../../../../x.png\""));
        assertNames(fails(() -> IconQa.reader().root(icon).split("train").subtasks(IconQa.CHOOSE_IMG).readAll()),
                "data.json: pid " + pid + ": field 'choices[1]'", "escapes the dataset root");
        Files.writeString(data, json);
        Files.writeString(dir.resolve(pid).resolve("choice_2.png"), "GIF? no");
        assertNames(fails(() -> IconQa.reader().root(icon).split("train").subtasks(IconQa.CHOOSE_IMG).readAll()),
                "pid " + pid + ": field 'choices[2]'", "choice_2.png is not a PNG");
    }

    @Test
    void iconQaIndexFileProblems() throws Exception {
        assertNames(fails(() -> IconQa.reader().root(icon).subtasks("choose_everything")),
                "unknown iconqa sub-task 'choose_everything'");
        assertNames(fails(() -> IconQa.reader().root(icon).split("dev").subtasks(IconQa.CHOOSE_TXT).readAll()),
                "pid_splits.json: has no split 'choose_txt_dev'");
        Files.writeString(icon.resolve("pid2skills.json"), "{\"1\": [3]}");
        assertNames(fails(() -> IconQa.reader().root(icon).readAll()), "pid2skills.json: pid 1", "expected skill names");
        Files.writeString(icon.resolve("problems.json"), "{\"1\": {\"question\": \"q\"}");
        assertNames(fails(() -> IconQa.reader().root(icon).readAll()), "problems.json", "invalid JSON: Unexpected end-of-input", "(line 1, column 24)");
        assertNames(fails(() -> IconQa.reader().root(tmp).readAll()), "no iconqa/ folder here");
    }

    @Test
    void iconQaLenient() throws Exception {
        Files.delete(iconPid("fill_in_blank", "19").resolve("image.png"));
        String data = Files.readString(icon.resolve("problems.json"));
        Files.writeString(icon.resolve("problems.json"), data.replaceFirst("\"answer\" : 0", "\"answer\" : 9"));
        try (DatasetStream s = IconQa.reader().root(icon).split("train").lenient(true).open()) {
            assertEquals(10, s.stream().count());
            assertEquals(2, s.report().skipped());
            assertEquals(Map.of("field 'answer'", 1L, "missing image", 1L), s.report().skippedByReason());
        }
    }

    // ---------------- JSONL ----------------

    private Path jsonl(String... lines) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("jsonl"));
        Files.copy(sqa.resolve("images/train/1/image.png"), dir.resolve("a.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path f = dir.resolve("data.jsonl");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    private static final String GOOD = "{\"id\": \"g\", \"image\": \"a.png\", \"question\": \"q?\", \"choices\": [\"x\", \"y\"], \"answer\": 1}";

    @Test
    void jsonlErrorsNameFileLineAndField() throws Exception {
        Path f = jsonl(GOOD, "", "{\"question\": \"q?\", \"choices\": [\"x\", \"y\"], \"answer\": 1,}");
        assertNames(fails(() -> Jsonl.reader().root(f).readAll()), "data.jsonl: line 3: invalid JSON", "column");
        Path f2 = jsonl(GOOD, "{\"image\": \"a.png\", \"choices\": [\"x\", \"y\"], \"answer\": 0}");
        assertNames(fails(() -> Jsonl.reader().root(f2).readAll()),
                "data.jsonl: line 2 (id data-2): field 'question': missing");
        Path f3 = jsonl(GOOD, "{\"id\": 7, \"question\": \"q\", \"choices\": [\"x\", \"y\"], \"answer\": 2}");
        assertNames(fails(() -> Jsonl.reader().root(f3).readAll()),
                "line 2 (id 7): field 'answer': answer index 2 is out of range for 2 choices");
        Path f4 = jsonl(GOOD, "{\"question\": \"q\", \"choices\": [\"x\", \"y\"], \"answer\": \"z\"}");
        assertNames(fails(() -> Jsonl.reader().root(f4).readAll()), "line 2", "field 'answer'", "'z' is not one of the choices");
        Path f5 = jsonl(GOOD, "{\"question\": \"q\", \"image\": \"gone.png\", \"answer\": \"z\"}");
        assertNames(assertThrows(MissingImageException.class, () -> Jsonl.reader().root(f5).readAll()),
                "line 2", "field 'image'", "gone.png does not exist");
        Path f6 = jsonl("{\"question\": \"q\", \"image\": \"../../secret.png\", \"answer\": \"z\"}");
        assertNames(fails(() -> Jsonl.reader().root(f6).readAll()), "data.jsonl: line 1", "field 'image'",
                "escapes the dataset root");
        Path f7 = jsonl(GOOD, GOOD);
        assertNames(fails(() -> Jsonl.reader().root(f7).readAll()), "line 2 (id g): field 'id': duplicate id 'g'");
        Path f8 = jsonl("[1, 2]");
        assertNames(fails(() -> Jsonl.reader().root(f8).readAll()), "data.jsonl: line 1: expected a JSON object, found list");
        Path f9 = jsonl("{\"question\": \"q\", \"choices\": [\"x\"], \"answer\": 0}");
        assertNames(fails(() -> Jsonl.reader().root(f9).readAll()), "line 1", "field 'choices'", "expected at least 2");
        Path f10 = jsonl("{\"question\": \"q\"}");
        assertNames(fails(() -> Jsonl.reader().root(f10).readAll()), "line 1", "field 'answer': missing");
        Files.write(f10, new byte[] {'{', '"', 'q', (byte) 0xff, '"', '}', '\n'});
        assertNames(fails(() -> Jsonl.reader().root(f10).readAll()), "data.jsonl: line 1", "not valid UTF-8");
    }

    @Test
    void jsonlLenientSkipsBadLines() throws Exception {
        Path f = jsonl(GOOD, "{broken", "{\"question\": \"open?\", \"answer\": 42, \"image\": \"a.png\", \"grade\": 3}",
                "{\"question\": \"q\", \"image\": \"gone.png\", \"answer\": \"z\"}");
        try (DatasetStream s = Jsonl.reader().root(f).lenient(true).open()) {
            List<MultimodalExample> ok = s.stream().toList();
            assertEquals(2, ok.size());
            assertEquals(List.of("42"), ok.get(1).answers());
            assertEquals("3", ok.get(1).meta("grade").orElseThrow());
            assertEquals(2, s.report().skipped());
            assertTrue(s.report().skipMessages().get(0).contains("data.jsonl: line 2: invalid JSON"));
            assertInstanceOf(String.class, s.report().skipMessages().get(1));
        }
        // a line that is not UTF-8 is skipped on its own; the lines after it still read (CRLF endings too)
        byte[] bad = {'{', '"', 'q', (byte) 0xff, '"', ':', '1', '}', '\r', '\n'};
        byte[] good = (GOOD + "\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] both = new byte[bad.length + good.length];
        System.arraycopy(bad, 0, both, 0, bad.length);
        System.arraycopy(good, 0, both, bad.length, good.length);
        Files.write(f, both);
        try (DatasetStream s = Jsonl.reader().root(f).lenient(true).open()) {
            assertEquals(List.of("g"), s.stream().map(MultimodalExample::id).toList());
            assertEquals(List.of(f + ": line 1: not valid UTF-8 text"), s.report().skipMessages());
        }
    }
}
