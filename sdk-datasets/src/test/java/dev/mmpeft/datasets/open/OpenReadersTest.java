package dev.mmpeft.datasets.open;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.testing.TestResources;
import dev.mmpeft.datasets.AOkVqa;
import dev.mmpeft.datasets.CaptionExamples;
import dev.mmpeft.datasets.DatasetReaders;
import dev.mmpeft.datasets.DatasetStream;
import dev.mmpeft.datasets.Flickr30k;
import dev.mmpeft.datasets.OkVqa;
import dev.mmpeft.datasets.TaskType;
import dev.mmpeft.datasets.TextCaps;
import dev.mmpeft.datasets.TextVqa;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The readers of PETAL's captioning and knowledge-VQA datasets on small fixtures written in each
 * official layout (src/test/resources/open): counts, ids, answers, images, metadata, the split and
 * per-caption choices, and the prompts InstructBLIP reads.
 */
class OpenReadersTest {
    static final Path OPEN = TestResources.path("open/flickr30k").getParent();

    private static List<String> ids(List<MultimodalExample> examples) {
        return examples.stream().map(MultimodalExample::id).toList();
    }

    private static Path image(MultimodalExample e) {
        assertEquals(1, e.images().size(), e.id());
        Path p = e.images().get(0);
        assertTrue(Files.isRegularFile(p), p.toString());
        return p;
    }

    @Test
    void everyFormatIsRegisteredWithItsTaskType() {
        Map<String, TaskType> expected = Map.of("flickr30k", TaskType.CAPTIONING, "textcaps", TaskType.CAPTIONING,
                "okvqa", TaskType.OPEN_VQA, "textvqa", TaskType.OPEN_VQA, "aokvqa", TaskType.MULTIPLE_CHOICE_AND_OPEN_VQA,
                "scienceqa", TaskType.MULTIPLE_CHOICE, "iconqa", TaskType.PER_EXAMPLE, "jsonl", TaskType.PER_EXAMPLE);
        expected.forEach((format, type) -> assertEquals(type, DatasetReaders.forFormat(format).taskType(), format));
        assertTrue(TaskType.CAPTIONING.generates() && !TaskType.CAPTIONING.scoresCandidates());
        assertTrue(TaskType.MULTIPLE_CHOICE_AND_OPEN_VQA.generates() && TaskType.MULTIPLE_CHOICE_AND_OPEN_VQA.scoresCandidates());
        assertTrue(!TaskType.MULTIPLE_CHOICE.generates());
    }

    @Test
    void flickr30kKarpathySplit() {
        Path root = OPEN.resolve("flickr30k");
        List<MultimodalExample> all = Flickr30k.reader().root(root).readAll();
        // train one example per caption (2 images x 5), val and test one per image
        assertEquals(12, all.size());
        assertEquals(List.of("1000092795#0", "1000092795#1", "1000092795#2", "1000092795#3", "1000092795#4",
                "1000268201#0", "1000268201#1", "1000268201#2", "1000268201#3", "1000268201#4", "1001773457", "1007129816"),
                ids(all));
        MultimodalExample second = all.get(6);
        assertEquals(List.of("A little girl goes up the steps."), second.answers());
        assertEquals("train", second.split());
        assertEquals(Map.of("imgid", "1", "filename", "1000268201.jpg", "split", "train", "caption_index", "1", "sentid", "6"),
                second.metadata());
        assertEquals(root.resolve("flickr30k-images/1000268201.jpg"), image(second));

        try (DatasetStream test = Flickr30k.reader().root(root).split("test").open()) {
            List<MultimodalExample> t = test.stream().toList();
            assertEquals(1, t.size());
            MultimodalExample e = t.get(0);
            assertEquals("1007129816", e.id());
            assertEquals(5, e.answers().size());
            assertEquals("A man wearing a red t-shirt sweeps the sidewalk in front of a brick building.", e.answers().get(1));
            assertEquals("", e.question());
            assertEquals("3", e.meta("imgid").orElseThrow());
            assertEquals(3, test.report().filtered()); // the other splits' images of the one file
        }
        List<MultimodalExample> perImage = Flickr30k.reader().root(root).split("train")
                .captionExamples(CaptionExamples.PER_IMAGE).readAll();
        assertEquals(List.of("1000092795", "1000268201"), ids(perImage));
        assertEquals(5, perImage.get(0).answers().size());
        // images elsewhere: the image root may be the image folder itself
        List<MultimodalExample> moved = Flickr30k.reader().root(root).imageRoot(root.resolve("flickr30k-images"))
                .split("val").captionExamples(CaptionExamples.PER_CAPTION).readAll();
        assertEquals(List.of("1001773457#0", "1001773457#1", "1001773457#2", "1001773457#3", "1001773457#4"), ids(moved));

        Prompt p = Flickr30k.template().render(second);
        assertEquals("A short image description:", p.input());
        assertEquals("A short image description:", p.instruction());
        assertEquals("A little girl goes up the steps.", p.target().orElseThrow());
    }

    @Test
    void flickr30kInLavisAnnotationFiles() {
        // LAVIS's layout: image paths relative to the image root, here the Karpathy fixture holding flickr30k-images/
        var reader = Flickr30k.reader().root(OPEN.resolve("flickr30k-lavis")).imageRoot(OPEN.resolve("flickr30k"));
        List<MultimodalExample> train = reader.split("train").readAll();
        assertEquals(List.of("1000092795#0", "1000092795#1", "1000268201#0", "1000268201#1"), ids(train));
        assertEquals(List.of("a little girl goes up the steps."), train.get(3).answers());
        assertEquals("1", train.get(3).meta("lavis_image_id").orElseThrow());
        assertEquals(OPEN.resolve("flickr30k/flickr30k-images/1000268201.jpg"), image(train.get(3)));
        List<MultimodalExample> grouped = reader.split("train").captionExamples(CaptionExamples.PER_IMAGE).readAll();
        assertEquals(List.of("1000092795", "1000268201"), ids(grouped)); // consecutive captions of an image joined
        assertEquals(List.of("a child in a pink dress climbs stairs.", "a little girl goes up the steps."), grouped.get(1).answers());
        List<MultimodalExample> test = reader.split("test").readAll();
        assertEquals(List.of("1007129816"), ids(test));
        assertEquals(5, test.get(0).answers().size());
        assertEquals("1007129816.jpg", test.get(0).meta("filename").orElseThrow());
        assertEquals(List.of("1000092795#0", "1000092795#1", "1000268201#0", "1000268201#1", "1001773457", "1007129816"),
                ids(reader.readAll()));
    }

    @Test
    void textCapsCaptionsAndReferences() {
        Path root = OPEN.resolve("textcaps");
        List<MultimodalExample> val = TextCaps.reader().root(root).split("val").readAll();
        assertEquals(List.of("0a0bc91825468c45"), ids(val)); // five caption entries, one image
        MultimodalExample v = val.get(0);
        assertEquals(List.of("A clock tower showing ten past two.", "A large clock with roman numerals.", "The clock reads 2:10.",
                "A clock on a building says Rolex.", "A tower clock under a blue sky."), v.answers());
        assertEquals(root.resolve("train_images/0a0bc91825468c45.jpg"), image(v));
        assertEquals("Clock", v.meta("image_classes").orElseThrow());
        assertEquals("val", v.meta("set_name").orElseThrow());

        List<MultimodalExample> train = TextCaps.reader().root(root).split("train").readAll();
        assertEquals(10, train.size());
        assertEquals("011e7e629fb9ae7b#2", train.get(2).id());
        assertEquals(List.of("Red text on a white poster reads Summer Sale 50% off."), train.get(2).answers());
        assertEquals("0127e6f9a2c0b1d7#0", train.get(5).id());
        assertEquals("6", train.get(5).meta("caption_id").orElseThrow());
        assertEquals("Poster, Billboard", train.get(0).meta("image_classes").orElseThrow());
        assertEquals(List.of("011e7e629fb9ae7b", "0127e6f9a2c0b1d7"), ids(TextCaps.reader().root(root).split("train")
                .captionExamples(CaptionExamples.PER_IMAGE).readAll()));

        List<MultimodalExample> test = TextCaps.reader().root(root).split("test").readAll();
        assertEquals(List.of("0b1f6b1e3c0a1a57"), ids(test));
        assertTrue(test.get(0).answers().isEmpty());
        assertEquals(root.resolve("test_images/0b1f6b1e3c0a1a57.jpg"), image(test.get(0)));
        assertTrue(TextCaps.template().render(test.get(0)).target().isEmpty());
        assertEquals(12, TextCaps.reader().root(root).readAll().size()); // train 10 + val 1 + test 1
    }

    @Test
    void okVqaJoinsQuestionsAndAnnotations() {
        Path root = OPEN.resolve("okvqa");
        List<MultimodalExample> val = OkVqa.reader().root(root).split("val").readAll();
        // questions in file order; the annotations file lists them in another order
        assertEquals(List.of("2971475", "3932255", "1925"), ids(val));
        MultimodalExample years = val.get(2);
        assertEquals("How many years does this animal live?", years.question());
        assertEquals(List.of("10", "10", "10", "10", "20", "20", "twenty", "15", "15", "10"), years.answers());
        assertEquals(Map.of("question_id", "1925", "image_id", "192", "answer_type", "number", "question_type", "how many",
                "confidence", "3", "split", "val"), years.metadata());
        assertEquals(root.resolve("val2014/COCO_val2014_000000000192.jpg"), image(years));
        List<MultimodalExample> all = OkVqa.reader().root(root).readAll();
        assertEquals(List.of("516065", "1750585", "2971475", "3932255", "1925"), ids(all));
        assertEquals(root.resolve("train2014/COCO_train2014_000000051606.jpg"), image(all.get(0)));

        Prompt p = OkVqa.template().render(years);
        assertEquals("Question: How many years does this animal live? Short answer:", p.input());
        assertEquals("10", p.target().orElseThrow()); // the most frequent of the ten answers
        assertTrue(p.candidates().isEmpty());
        assertEquals("race", OkVqa.template().render(val.get(0)).target().orElseThrow());
    }

    @Test
    void aOkVqaCarriesBothSettings() {
        Path root = OPEN.resolve("aokvqa");
        List<MultimodalExample> val = AOkVqa.reader().root(root).split("val").readAll();
        assertEquals(List.of("22jbM6gDxdaMaunuzgrsBB", "2BPvdGSNdXLGXpJxiEzBMY"), ids(val));
        MultimodalExample mouth = val.get(0);
        assertEquals(List.of("toothpick", "food", "popsicle stick", "cigarette"), mouth.choices());
        assertEquals(3, mouth.answerIndex().getAsInt());
        assertEquals(10, mouth.answers().size());
        assertEquals("false", mouth.meta("difficult_direct_answer").orElseThrow());
        assertEquals("true", val.get(1).meta("difficult_direct_answer").orElseThrow());
        assertEquals(3, mouth.meta("rationales").orElseThrow().split("\n").length);
        assertEquals(root.resolve("val2017/000000461751.jpg"), image(mouth));

        Prompt mc = AOkVqa.template().render(mouth);
        assertEquals("Question: What is in the motorcyclist's mouth? Options: (a) toothpick (b) food (c) popsicle stick"
                + " (d) cigarette. Short answer:", mc.input());
        assertEquals("(d) cigarette", mc.target().orElseThrow());
        assertEquals(List.of("(a) toothpick", "(b) food", "(c) popsicle stick", "(d) cigarette"), mc.candidates());
        Prompt da = AOkVqa.directAnswerTemplate().render(val.get(1));
        assertEquals("Question: Which number birthday is probably being celebrated? Short answer:", da.input());
        assertEquals("30", da.target().orElseThrow()); // 7 x "30", 3 x "thirty"
        assertTrue(da.candidates().isEmpty());

        List<MultimodalExample> test = AOkVqa.reader().root(root).split("test").readAll();
        assertEquals(1, test.size());
        assertTrue(test.get(0).answerIndex().isEmpty() && test.get(0).answers().isEmpty());
        assertEquals(4, test.get(0).choices().size());
        assertTrue(AOkVqa.directAnswerTemplate().render(test.get(0)).target().isEmpty());
        assertEquals(root.resolve("test2017/000000000120.jpg"), image(test.get(0)));
        assertEquals(4, AOkVqa.reader().root(root).readAll().size());
    }

    @Test
    void textVqaWithOptionalOcrTokens() {
        Path root = OPEN.resolve("textvqa");
        List<MultimodalExample> val = TextVqa.reader().root(root).split("val").readAll();
        assertEquals(List.of("34602", "34603"), ids(val));
        MultimodalExample camera = val.get(0);
        assertEquals("what is the brand of this camera?", camera.question());
        assertEquals(10, camera.answers().size());
        assertEquals("DAKOTA DIGITAL SINGLE-USE", camera.meta("ocr_tokens").orElseThrow());
        assertEquals("003a8ae2ef43b901", camera.meta("image_id").orElseThrow());
        assertEquals("Camera", camera.meta("image_classes").orElseThrow());
        assertEquals(root.resolve("train_images/003a8ae2ef43b901.jpg"), image(camera));

        assertEquals("Question: what is the brand of this camera? Short answer:", TextVqa.template().render(camera).input());
        Prompt ocr = TextVqa.templateWithOcr().render(camera);
        assertEquals("OCR tokens: DAKOTA DIGITAL SINGLE-USE. Question: what is the brand of this camera? Short answer:", ocr.input());
        assertEquals("dakota", ocr.target().orElseThrow());
        Prompt none = TextVqa.templateWithOcr().render(val.get(1));
        assertEquals("OCR tokens: none. Question: what time is it? Short answer:", none.input());
        assertEquals("2:10", none.target().orElseThrow());

        List<MultimodalExample> test = TextVqa.reader().root(root).split("test").readAll();
        assertEquals(List.of("39602"), ids(test));
        assertTrue(test.get(0).answers().isEmpty());
        assertEquals(root.resolve("test_images/00a6a5a3f2a2c2d1.jpg"), image(test.get(0)));
        assertEquals(List.of("0", "1", "34602", "34603", "39602"), ids(TextVqa.reader().root(root).readAll()));
    }

    @Test
    void defaultTemplatesByFormat() {
        assertEquals(PromptTemplates.caption(), PromptTemplates.forFormat("flickr30k"));
        assertEquals(PromptTemplates.caption(), PromptTemplates.forFormat("TextCaps"));
        assertEquals(PromptTemplates.vqa(), PromptTemplates.forFormat("okvqa"));
        assertEquals(PromptTemplates.vqa(), PromptTemplates.forFormat("textvqa"));
        assertEquals(PromptTemplates.aOkVqa(), PromptTemplates.forFormat("aokvqa"));
        // the most frequent answer; among equally frequent ones the first given
        MultimodalExample tie = MultimodalExample.builder().id("t").split("val").question("q")
                .answers(List.of("b", "a", "a", "b", "c")).build();
        assertEquals("b", PromptTemplates.vqa().render(tie).target().orElseThrow());
    }
}
