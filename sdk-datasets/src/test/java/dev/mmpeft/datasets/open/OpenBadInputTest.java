package dev.mmpeft.datasets.open;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.datasets.AOkVqa;
import dev.mmpeft.datasets.CaptionExamples;
import dev.mmpeft.datasets.DatasetException;
import dev.mmpeft.datasets.DatasetReader;
import dev.mmpeft.datasets.DatasetStream;
import dev.mmpeft.datasets.Flickr30k;
import dev.mmpeft.datasets.MissingImageException;
import dev.mmpeft.datasets.MissingImages;
import dev.mmpeft.datasets.OkVqa;
import dev.mmpeft.datasets.TextCaps;
import dev.mmpeft.datasets.TextVqa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed records of each open format, written into a copy of its fixture: the error names the
 * file, the record (list position and id) and the field, with what was found and what was expected;
 * lenient mode skips and counts such a record.
 */
class OpenBadInputTest {
    @TempDir Path tmp;

    private Path copy(String format) throws Exception {
        Path from = OpenReadersTest.OPEN.resolve(format);
        Path to = tmp.resolve(format);
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

    private static void edit(Path file, String from, String to) throws Exception {
        String s = Files.readString(file);
        assertTrue(s.contains(from), "fixture " + file.getFileName() + " lacks: " + from);
        Files.writeString(file, s.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to)));
    }

    private static void fails(Executable read, String... parts) {
        DatasetException e = assertThrows(DatasetException.class, read);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void flickr30kBadRecords() throws Exception {
        Path root = copy("flickr30k");
        Path file = root.resolve("dataset_flickr30k.json");
        edit(file, "\"raw\": \"A little girl goes up the steps.\"", "\"text\": \"A little girl goes up the steps.\"");
        fails(() -> Flickr30k.reader().root(root).readAll(),
                "dataset_flickr30k.json: images[1] (filename 1000268201.jpg): field 'sentences[1].raw': missing (expected the caption text)");
        // lenient: the image is skipped and counted, the rest is read
        try (DatasetStream s = Flickr30k.reader().root(root).lenient(true).open()) {
            assertEquals(7, s.stream().count()); // 5 captions of the first train image, val, test
            assertEquals(Map.of("field 'sentences[1].raw'", 1L), s.report().skippedByReason());
        }
        edit(file, "\"split\": \"val\"", "\"split\": \"dev\"");
        fails(() -> Flickr30k.reader().root(root).split("val").readAll(),
                "images[2] (filename 1001773457.jpg): field 'split': 'dev' is not a Karpathy split (expected one of [train, val, test, restval])");
        edit(file, "\"split\": \"dev\"", "\"split\": \"val\"");
        fails(() -> Flickr30k.reader().root(root).split("validation").readAll(),
                "unknown flickr30k split 'validation' (expected one of [train, val, test, restval])");
        Files.delete(root.resolve("flickr30k-images/1007129816.jpg"));
        MissingImageException missing = assertThrows(MissingImageException.class,
                () -> Flickr30k.reader().root(root).split("test").readAll());
        assertTrue(missing.getMessage().contains("images[3] (filename 1007129816.jpg): field 'filename': image file "), missing.getMessage());
        assertEquals(0, Flickr30k.reader().root(root).split("test").missingImages(MissingImages.SKIP).readAll().size());
        edit(file, "\"filename\": \"1000092795.jpg\"", "\"filename\": \"../../secret.jpg\"");
        fails(() -> Flickr30k.reader().root(root).split("train").readAll(),
                "images[0] (filename ../../secret.jpg): field 'filename': path '../../secret.jpg' escapes the dataset root");
        Files.writeString(file, "{\"images\": [{\"filename\": \"1000092795.jpg\", \"split\": \"train\", ");
        fails(() -> Flickr30k.reader().root(root).readAll(), "dataset_flickr30k.json: record 0: invalid JSON", "line 1");
        Files.writeString(file, "{\"dataset\": \"flickr30k\"}");
        fails(() -> Flickr30k.reader().root(root).readAll(),
                "dataset_flickr30k.json: field 'images': missing (expected the list of records under 'images')");
        Files.delete(file);
        fails(() -> Flickr30k.reader().root(root).readAll(), "dataset_flickr30k.json: file not found");
    }

    @Test
    void flickr30kLavisBadRecords() throws Exception {
        Path root = copy("flickr30k-lavis");
        Path images = OpenReadersTest.OPEN.resolve("flickr30k");
        Path train = root.resolve("annotations/train.json");
        edit(train, "\"caption\": \"a child in a pink dress climbs stairs.\"", "\"caption\": 7");
        fails(() -> Flickr30k.reader().root(root).imageRoot(images).split("train").readAll(),
                "annotations/train.json: [2] (image flickr30k-images/1000268201.jpg): field 'caption': expected a list of strings,"
                        + " found integer 7");
        // per image, an image's captions must come together: a later record of an earlier image is refused
        Files.writeString(train, "[{\"caption\": \"a.\", \"image\": \"flickr30k-images/1000268201.jpg\"},"
                + " {\"caption\": \"b.\", \"image\": \"flickr30k-images/1000092795.jpg\"},"
                + " {\"caption\": \"c.\", \"image\": \"flickr30k-images/1000268201.jpg\"}]");
        assertEquals(3, Flickr30k.reader().root(root).imageRoot(images).split("train").readAll().size());
        fails(() -> Flickr30k.reader().root(root).imageRoot(images).split("train").captionExamples(CaptionExamples.PER_IMAGE).readAll(),
                "annotations/train.json: [2] (image flickr30k-images/1000268201.jpg): field 'image': duplicate image 1000268201");
        fails(() -> Flickr30k.reader().root(tmp).readAll(), "dataset_flickr30k.json: file not found (expected Karpathy's",
                "LAVIS's annotations/{train,val,test}.json");
    }

    @Test
    void textCapsBadRecords() throws Exception {
        Path root = copy("textcaps");
        Path train = root.resolve("TextCaps_0.1_train.json");
        edit(train, "\"caption_str\": \"Red text on a white poster reads Summer Sale 50% off.\"", "\"caption_str\": 5");
        fails(() -> TextCaps.reader().root(root).split("train").readAll(),
                "TextCaps_0.1_train.json: data[2] (image_id 011e7e629fb9ae7b): field 'caption_str': expected a string, found integer 5");
        Path val = root.resolve("TextCaps_0.1_val.json");
        edit(val, "\"image_id\": \"0a0bc91825468c45\"", "\"image_id\": [1]");
        fails(() -> TextCaps.reader().root(root).split("val").readAll(),
                "TextCaps_0.1_val.json: data[0]: field 'image_id': expected an id (a non-empty string or an integer), found list [1]");
        fails(() -> TextCaps.reader().root(root).split("dev").readAll(), "unknown textcaps split 'dev' (expected one of [train, val, test])");
        Files.delete(root.resolve("TextCaps_0.1_test.json"));
        fails(() -> TextCaps.reader().root(root).split("test").readAll(), "TextCaps_0.1_test.json: file not found (split 'test' of textcaps)");
        fails(() -> TextCaps.reader().root(tmp.resolve("none")).readAll(), "none: folder not found (expected the textcaps folder");
    }

    @Test
    void okVqaBadRecords() throws Exception {
        Path root = copy("okvqa");
        Path annotations = root.resolve("mscoco_val2014_annotations.json");
        edit(annotations, "\"answer\": \"10\"", "\"answers\": \"10\"");
        fails(() -> OkVqa.reader().root(root).split("val").readAll(),
                "mscoco_val2014_annotations.json: annotations[0] (question_id 1925): field 'answers[0].answer': missing (expected the answer text)");
        Path questions = root.resolve("OpenEnded_mscoco_val2014_questions.json");
        edit(questions, "\"question_id\": 1925", "\"question_id\": 1926");
        fails(() -> OkVqa.reader().root(root).split("val").readAll(),
                "OpenEnded_mscoco_val2014_questions.json: questions[2] (question_id 1926): field 'question_id': has no annotation in"
                        + " mscoco_val2014_annotations.json");
        edit(questions, "\"image_id\": 297147", "\"image_id\": -4");
        fails(() -> OkVqa.reader().root(root).split("val").readAll(),
                "questions[0] (question_id 2971475): field 'image_id': expected a non-negative integer, found integer -4");
        edit(annotations, "\"question_id\": 3932255", "\"question_id\": 2971475");
        fails(() -> OkVqa.reader().root(root).split("val").readAll(),
                "mscoco_val2014_annotations.json: annotations[2] (question_id 2971475): field 'question_id': duplicate question_id"
                        + " 2971475 (first at annotations[1])");
        Files.delete(annotations);
        fails(() -> OkVqa.reader().root(root).split("val").readAll(), "mscoco_val2014_annotations.json: file not found");
    }

    @Test
    void aOkVqaBadRecords() throws Exception {
        Path root = copy("aokvqa");
        Path val = root.resolve("aokvqa_v1p0_val.json");
        edit(val, "\"correct_choice_idx\": 3", "\"correct_choice_idx\": 4");
        fails(() -> AOkVqa.reader().root(root).split("val").readAll(),
                "aokvqa_v1p0_val.json: [0] (question_id 22jbM6gDxdaMaunuzgrsBB): field 'correct_choice_idx': answer index 4 is"
                        + " out of range for 4 choices (expected 0..3)");
        edit(val, "\"correct_choice_idx\": 4", "\"correct_choice_idx\": 3");
        edit(val, "\"difficult_direct_answer\": true", "\"difficult_direct_answer\": \"yes\"");
        fails(() -> AOkVqa.reader().root(root).split("val").readAll(),
                "[1] (question_id 2BPvdGSNdXLGXpJxiEzBMY): field 'difficult_direct_answer': expected true or false, found string");
        Path train = root.resolve("aokvqa_v1p0_train.json");
        String s = Files.readString(train);
        Files.writeString(train, s.replace("\"direct_answers\"", "\"answers\""));
        fails(() -> AOkVqa.reader().root(root).split("train").readAll(),
                "aokvqa_v1p0_train.json: [0] (question_id 22MexNkBPpdZGX6sxbxVBH): field 'direct_answers': missing");
        Files.writeString(train, "{\"questions\": []}");
        fails(() -> AOkVqa.reader().root(root).split("train").readAll(), "aokvqa_v1p0_train.json: expected a JSON list of records, found an object");
    }

    @Test
    void textVqaBadRecords() throws Exception {
        Path root = copy("textvqa");
        Path val = root.resolve("TextVQA_0.5.1_val.json");
        String s = Files.readString(val);
        int at = s.indexOf("\"answers\"", s.indexOf("\"question_id\": 34602"));
        Files.writeString(val, s.substring(0, at) + "\"answers\": \"2:10\", \"was\"" + s.substring(at + "\"answers\"".length()));
        fails(() -> TextVqa.reader().root(root).split("val").readAll(),
                "TextVQA_0.5.1_val.json: data[0] (question_id 34602): field 'answers': expected a list of strings, found string \"2:10\"");
        Files.writeString(val, s.replace("\"question\": \"what time is it?\"", "\"question\": null"));
        fails(() -> TextVqa.reader().root(root).split("val").readAll(),
                "data[1] (question_id 34603): field 'question': missing (expected a string)");
        Files.writeString(val, s.replace("\"question_id\": 34603", "\"question_id\": 34602"));
        fails(() -> TextVqa.reader().root(root).split("val").readAll(),
                "data[1] (question_id 34602): field 'question_id': duplicate question_id 34602");
        Files.writeString(val, s);
        Files.writeString(root.resolve("train_images/004e21eb2e686f40.jpg"), "not an image");
        fails(() -> TextVqa.reader().root(root).split("val").readAll(),
                "data[1] (question_id 34603): field 'image_id'", "004e21eb2e686f40.jpg is not a PNG, JPEG");
        // lenient: the bad record is skipped and counted; the other is read
        try (DatasetStream st = TextVqa.reader().root(root).split("val").lenient(true).open()) {
            List<MultimodalExample> kept = st.stream().toList();
            assertEquals(List.of("34602"), kept.stream().map(MultimodalExample::id).toList());
            assertEquals(1, st.report().skipped());
        }
    }

    @Test
    void subtasksAreRefused() {
        DatasetReader r = TextVqa.reader().root(OpenReadersTest.OPEN.resolve("textvqa"));
        assertThrows(DatasetException.class, () -> r.subtasks("ocr"));
    }
}
