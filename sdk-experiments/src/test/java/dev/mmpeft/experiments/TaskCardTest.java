package dev.mmpeft.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.datasets.prompt.OptionLabels;
import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mmpeft_task.json}: a card written for real data reads back as the same template (named or
 * inline), answer format and label space; a broken card fails naming the file and the field; and
 * {@link TaskData#forTrained} takes the adapter's card before the model's.
 */
class TaskCardTest {
    @Test
    void aNamedTemplateCardRoundTripsWithTheTrainingAnswers(@TempDir Path tmp) throws Exception {
        Path data = SyntheticDataset.builder().seed(5).variant(Variant.SHIFTED).train(40).val(4).test(4).imageSize(28).choices(4)
                .build().writeScienceQa(tmp.resolve("data"));
        TaskData task = TaskData.of("scienceqa", data).withTemplate(PromptTemplates.scienceQaAnswerText());
        List<MultimodalExample> train = task.examples("train");
        TaskCard card = TaskCard.of(task, train);
        Path dir = Files.createDirectories(tmp.resolve("adapter"));
        card.write(dir);

        String text = Files.readString(dir.resolve(TaskCard.FILE_NAME));
        assertTrue(text.contains("\"template\" : \"scienceqa-answer-text\""), text);
        assertTrue(text.contains("\"answer_format\" : \"option_text\""), text);
        TaskCard read = TaskCard.read(dir).orElseThrow();
        assertEquals(card, read);
        assertEquals(PromptTemplates.scienceQaAnswerText(), read.template());
        // the label space is the set of answers the training split asked for
        List<String> answers = train.stream().map(e -> e.answerText().orElseThrow()).distinct().sorted().toList();
        assertEquals(answers, read.labelSpace().answers());
        assertTrue(read.labelSpace().complete());
        assertEquals("lower", read.labelSpace().optionLabels());
    }

    @Test
    void anInlineTemplateRoundTripsAttributeForAttribute(@TempDir Path tmp) throws Exception {
        PromptTemplate custom = PromptTemplate.builder().input("Q: {question} Choices: {options} A:").instruction("{question}")
                .target("{answer_label}").labels(OptionLabels.UPPER).optionFormat("{label}. {choice}").optionSeparator("; ")
                .contextFields(List.of("hint")).emptyContext("none").collapseSpaces(false).build();
        assertTrue(PromptTemplates.nameOf(custom).isEmpty());
        TaskCard card = new TaskCard("jsonl", custom, TaskCard.AnswerFormat.of(custom),
                new TaskCard.LabelSpace("upper", List.of("x", "y"), false));
        card.write(tmp);
        TaskCard read = TaskCard.read(tmp).orElseThrow();
        assertEquals(custom, read.template());
        assertEquals(TaskCard.AnswerFormat.OPTION_LABEL, read.answerFormat());
        assertEquals(card, read);
    }

    @Test
    void everyNamedTemplateIsFoundByItsName() {
        for (String name : PromptTemplates.names()) {
            assertEquals(name, PromptTemplates.nameOf(PromptTemplates.named(name)).orElseThrow());
        }
        assertEquals(PromptTemplates.scienceQa(), PromptTemplates.named("ScienceQA"));
        MmpeftException e = assertThrows(MmpeftException.class, () -> PromptTemplates.named("sciqa"));
        assertTrue(e.getMessage().startsWith("unknown template name 'sciqa'; known: scienceqa, scienceqa-answer-text, iconqa"),
                e.getMessage());
    }

    @Test
    void brokenCardsFailNamingFileAndField(@TempDir Path tmp) throws Exception {
        String good = "{\"mmpeft_task\": 1, \"format\": \"scienceqa\", \"template\": %s, \"answer_format\": \"%s\","
                + " \"label_space\": {\"option_labels\": \"lower\", \"answers\": %s, \"complete\": true}}";
        assertBroken(tmp, String.format(good, "\"scienceqa\"", "letters", "[]"), "mmpeft_task.json: answer_format: unknown 'letters'");
        assertBroken(tmp, String.format(good, "\"nope\"", "option_text", "[]"), "mmpeft_task.json: template: unknown template name 'nope'");
        assertBroken(tmp, String.format(good, "{\"input\": 3}", "option_text", "[]"), "mmpeft_task.json: template.input: expected a string, found a number");
        assertBroken(tmp, String.format(good, "{\"input\": \"{questoin}\"}", "option_text", "[]"), "mmpeft_task.json: template: ");
        assertBroken(tmp, String.format(good, "{\"input\": \"{question}\", \"colour\": 1}", "option_text", "[]"),
                "mmpeft_task.json: template: unknown key 'colour'");
        assertBroken(tmp, String.format(good, "\"scienceqa\"", "option_text", "[1]"), "mmpeft_task.json: label_space.answers: expected strings");
        assertBroken(tmp, "{\"mmpeft_task\": 2}", "mmpeft_task.json: mmpeft_task: expected version 1, found 2");
        assertBroken(tmp, "[]", "mmpeft_task.json: expected a JSON object");
        assertBroken(tmp, "{\"mmpeft_task\": 1,", "mmpeft_task.json: invalid JSON");
    }

    private static void assertBroken(Path dir, String json, String expected) throws Exception {
        Files.writeString(dir.resolve(TaskCard.FILE_NAME), json);
        MmpeftException e = assertThrows(MmpeftException.class, () -> TaskCard.read(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve(TaskCard.FILE_NAME).toString()) && e.getMessage().contains(expected),
                e.getMessage());
        assertFalse(e.getMessage().contains("REDACTED"), e.getMessage());
    }

    @Test
    void forTrainedTakesTheAdaptersTemplateBeforeTheModelsAndTheFormatsLast(@TempDir Path tmp) throws Exception {
        Path model = Files.createDirectories(tmp.resolve("model"));
        Path adapter = Files.createDirectories(tmp.resolve("adapter"));
        Path data = tmp.resolve("data");
        assertEquals(PromptTemplates.scienceQa(), TaskData.forTrained("scienceqa", data, adapter, model).template());
        new TaskCard("scienceqa", PromptTemplates.scienceQaAnswerText(), TaskCard.AnswerFormat.OPTION_TEXT,
                new TaskCard.LabelSpace("lower", List.of(), true)).write(model);
        assertEquals(PromptTemplates.scienceQaAnswerText(), TaskData.forTrained("scienceqa", data, adapter, model).template());
        new TaskCard("scienceqa", PromptTemplates.iconQa(), TaskCard.AnswerFormat.LABELLED_OPTION,
                new TaskCard.LabelSpace("lower", List.of(), true)).write(adapter);
        TaskData d = TaskData.forTrained("scienceqa", data, adapter, model);
        assertEquals(PromptTemplates.iconQa(), d.template());
        assertTrue(d.imagesOnly(), "the papers' selection stays the format's");
    }
}
