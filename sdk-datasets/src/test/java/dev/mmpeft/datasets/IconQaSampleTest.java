package dev.mmpeft.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The real IconQA sample in ../shared/data: the three sub-tasks and pinned prompts. */
class IconQaSampleTest {
    private static final Path ROOT = SharedFiles.get("data/iconqa-sample");

    @Test
    void readsAll70ExamplesWithTheirTypes() {
        List<MultimodalExample> all = IconQa.reader().root(ROOT).readAll();
        assertEquals(70, all.size());
        Map<String, Long> byTask = all.stream().collect(Collectors.groupingBy(e -> e.meta("ques_type").orElseThrow(),
                TreeMap::new, Collectors.counting()));
        assertEquals(Map.of("choose_txt", 50L, "choose_img", 10L, "fill_in_blank", 10L), byTask);
        for (MultimodalExample e : all) {
            assertEquals("test", e.split());
            assertEquals(1, e.images().size());
            assertTrue(Files.isRegularFile(e.images().get(0)));
            switch (e.meta("ques_type").orElseThrow()) {
                case "choose_txt" -> {
                    assertTrue(e.choices().size() >= 2);
                    assertTrue(e.choiceImages().isEmpty());
                    assertTrue(e.answerIndex().isPresent());
                }
                case "choose_img" -> {
                    assertEquals(e.choices().size(), e.choiceImages().size());
                    e.choiceImages().forEach(p -> assertTrue(Files.isRegularFile(p), p.toString()));
                    assertTrue(e.answerIndex().isPresent());
                }
                default -> {
                    assertTrue(e.choices().isEmpty());
                    assertEquals(1, e.answers().size());
                    assertTrue(e.answerIndex().isEmpty());
                }
            }
        }
        // order: split, then sub-task (choose_txt, choose_img, fill_in_blank), then pid numerically
        assertEquals("7", all.get(0).id());
        assertEquals("4", all.get(50).id());
        assertEquals("20", all.get(60).id());
        MultimodalExample perimeter = all.stream().filter(e -> e.id().equals("62")).findFirst().orElseThrow();
        assertEquals(List.of("12"), perimeter.answers());
        assertEquals("yards", perimeter.meta("unit").orElseThrow());
    }

    @Test
    void subtaskSelection() {
        assertEquals(50, IconQa.reader().root(ROOT).split("test").subtasks(IconQa.CHOOSE_TXT).readAll().size());
        assertEquals(20, IconQa.reader().root(ROOT).subtasks(IconQa.CHOOSE_IMG, IconQa.FILL_IN_BLANK).readAll().size());
        // the iconqa folder itself works as root too
        assertEquals(70, IconQa.reader().root(ROOT.resolve("iconqa")).readAll().size());
    }

    @Test
    void promptsArePinned() {
        Map<String, MultimodalExample> byId = IconQa.reader().root(ROOT).readAll().stream()
                .collect(Collectors.toMap(MultimodalExample::id, e -> e));
        Prompt p149 = IconQa.template().render(byId.get("149"));
        assertEquals("Question: The first picture is a sub. Which picture is third? Options: (a) turtle (b) fish (c) sub."
                + " Short answer:", p149.input());
        assertEquals(p149.input(), p149.instruction());
        assertEquals("(b) fish", p149.target().orElseThrow());
        assertEquals(List.of("(a) turtle", "(b) fish", "(c) sub"), p149.candidates());
        assertEquals(1, p149.answerIndex().getAsInt());

        Prompt p7 = IconQa.template().render(byId.get("7"));
        assertEquals("Question: Is the number of ovals even or odd? Options: (a) odd (b) even. Short answer:", p7.input());
        assertEquals("(a) odd", p7.target().orElseThrow());

        Prompt p103 = IconQa.template().render(byId.get("103"));
        assertEquals("Question: How many triangles are on the frame? Short answer:", p103.input());
        assertEquals("1", p103.target().orElseThrow());
        assertTrue(p103.candidates().isEmpty());

        Prompt p54 = IconQa.template().render(byId.get("54"));
        assertEquals("Question: Which shape is a rectangle? Options: (a) choice_0.png (b) choice_1.png. Short answer:",
                p54.input());
        assertEquals("(b) choice_1.png", p54.target().orElseThrow());
        assertEquals(1, p54.images().size());
        Prompt p54all = IconQa.template().withIncludeChoiceImages(true).render(byId.get("54"));
        assertEquals(3, p54all.images().size());
    }
}
