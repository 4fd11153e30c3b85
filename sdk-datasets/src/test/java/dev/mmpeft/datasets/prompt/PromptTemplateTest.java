package dev.mmpeft.datasets.prompt;


import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Templates: the papers' forms, every option, user templates and their errors. */
class PromptTemplateTest {
    private static final MultimodalExample GAS = MultimodalExample.builder()
            .id("42").split("test").addImages(Path.of("/data/42.png"))
            .question("Compare the average kinetic energies of the particles in each sample. Which sample has the higher temperature?")
            .choices(List.of("neither; the samples have the same temperature", "sample A", "sample B"))
            .answerIndex(1)
            .context("The diagrams below show two pure samples of gas.")
            .lecture("The temperature of a substance depends on the average kinetic energy of its particles.")
            .metadata(Map.of("grade", "grade8", "caption", "Two boxes of balls.", "solution", "A is hotter."))
            .build();

    private static final MultimodalExample OPEN = MultimodalExample.builder()
            .id("7").split("val").question("How many flowers are there?").addAnswers("74").build();

    @Test
    void scienceQaTemplateFollowsThePaper() {
        Prompt p = PromptTemplates.scienceQa().render(GAS);
        String expected = "Context: The diagrams below show two pure samples of gas. The temperature of a substance depends"
                + " on the average kinetic energy of its particles. Question: Compare the average kinetic energies of the"
                + " particles in each sample. Which sample has the higher temperature? Options: (a) neither; the samples"
                + " have the same temperature (b) sample A (c) sample B Answer:";
        assertEquals(expected, p.input());
        assertEquals(expected, p.instruction());
        assertEquals("(b) sample A", p.target().orElseThrow());
        assertEquals(List.of("(a) neither; the samples have the same temperature", "(b) sample A", "(c) sample B"),
                p.candidates());
        assertEquals(1, p.answerIndex().getAsInt());
        assertEquals("42", p.exampleId());
        assertEquals(List.of(Path.of("/data/42.png")), p.images());
    }

    @Test
    void lavinScienceQaTemplateFollowsTheReleasedCode() {
        Prompt p = PromptTemplates.lavinScienceQa().render(GAS);
        assertEquals("Question: Compare the average kinetic energies of the particles in each sample. Which sample has the higher"
                + " temperature?\nContext: The diagrams below show two pure samples of gas.\nOptions: (A) neither; the samples have"
                + " the same temperature (B) sample A (C) sample B\nResponse:", p.input());
        assertEquals("The answer is B.", p.target().orElseThrow());
        assertEquals(List.of("The answer is A.", "The answer is B.", "The answer is C."), p.candidates());
        // a text-only question without a hint: context N/A, no image
        MultimodalExample textOnly = MultimodalExample.builder().from(GAS).images(List.of()).context("").build();
        Prompt t = PromptTemplates.lavinScienceQa().render(textOnly);
        assertTrue(t.input().contains("\nContext: N/A\nOptions: (A)"), t.input());
        assertEquals(List.of(), t.images());
    }

    @Test
    void emptyContextIsNaAndDoubleSpacesCollapse() {
        MultimodalExample bare = MultimodalExample.builder().from(GAS).context("").lecture("").build();
        assertTrue(PromptTemplates.scienceQa().render(bare).input().startsWith("Context: N/A Question: Compare"));
        MultimodalExample hintOnly = MultimodalExample.builder().from(GAS).lecture("").build();
        assertTrue(PromptTemplates.scienceQa().render(hintOnly).input()
                .startsWith("Context: The diagrams below show two pure samples of gas. Question:"));
        PromptTemplate raw = PromptTemplate.builder().input("Context: {hint} {lecture} Q: {question}").build();
        assertEquals("Context: The temperature of a substance depends on the average kinetic energy of its particles."
                + " Q: x", raw.render(MultimodalExample.builder().from(bare).question("x")
                        .lecture("The temperature of a substance depends on the average kinetic energy of its particles.")
                        .build()).input());
        PromptTemplate keep = PromptTemplate.builder().input("A:  {hint}|").collapseSpaces(false).build();
        assertEquals("A:  |", keep.render(bare).input());
    }

    @Test
    void iconQaTemplateAndOpenQuestions() {
        Prompt mc = PromptTemplates.iconQa().render(GAS);
        assertEquals("Question: " + GAS.question() + " Options: (a) neither; the samples have the same temperature"
                + " (b) sample A (c) sample B. Short answer:", mc.input());
        Prompt open = PromptTemplates.iconQa().render(OPEN);
        assertEquals("Question: How many flowers are there? Short answer:", open.input());
        assertEquals("74", open.target().orElseThrow());
        assertTrue(open.candidates().isEmpty());
        assertTrue(open.answerIndex().isEmpty());
        MultimodalExample unlabeled = MultimodalExample.builder().from(OPEN).answers(List.of()).build();
        assertTrue(PromptTemplates.iconQa().render(unlabeled).target().isEmpty());
    }

    @Test
    void everyOptionIsConfigurable() {
        PromptTemplate t = PromptTemplates.scienceQa().toBuilder()
                .labels(OptionLabels.UPPER)
                .optionFormat("{label}. {choice}")
                .optionSeparator("\n")
                .contextFields(List.of("caption", "hint"))
                .contextSeparator(" | ")
                .instruction("{question}")
                .target("The answer is {answer_label}.")
                .build();
        Prompt p = t.render(GAS);
        assertEquals("Context: Two boxes of balls. | The diagrams below show two pure samples of gas. Question: "
                + GAS.question() + " Options: A. neither; the samples have the same temperature\nB. sample A\nC. sample B"
                + " Answer:", p.input());
        assertEquals(GAS.question(), p.instruction());
        assertEquals("The answer is B.", p.target().orElseThrow());
        assertEquals(List.of("The answer is A.", "The answer is B.", "The answer is C."), p.candidates());
        assertEquals("3) sample B", PromptTemplate.builder().input("{options}").labels(OptionLabels.NUMBER)
                .optionFormat("{label}) {choice}").build().option(2, "sample B"));
    }

    @Test
    void userTemplatesWithNamedPlaceholders() {
        PromptTemplate t = PromptTemplates.parse(
                "[{id}/{split}/{meta.grade}] {question} {{braces}} hint={hint} sol={solution} cap={caption} -> {answer_text}",
                "scienceqa");
        assertEquals("[42/test/grade8] " + GAS.question() + " {braces} hint=The diagrams below show two pure samples of gas."
                + " sol=A is hotter. cap=Two boxes of balls. -> sample A", t.render(GAS).input());
        assertEquals("(b) sample A", t.render(GAS).target().orElseThrow());
        assertEquals("[/ 7/val/] x", PromptTemplate.of("[/ {id}/{split}/{meta.missing}] x").render(OPEN).input());
    }

    @Test
    void unknownPlaceholdersAndBracesAreClearErrors() {
        TemplateException e = assertThrows(TemplateException.class, () -> PromptTemplate.of("Q: {qestion} A:"));
        assertTrue(e.getMessage().contains("input template \"Q: {qestion} A:\": unknown placeholder {qestion} at position 3"),
                e.getMessage());
        assertTrue(e.getMessage().contains("{question}") && e.getMessage().contains("{meta.FIELD}"), e.getMessage());
        assertTrue(assertThrows(TemplateException.class, () -> PromptTemplate.of("Q: {question")).getMessage()
                .contains("unclosed '{' at position 3"));
        assertTrue(assertThrows(TemplateException.class, () -> PromptTemplate.of("Q: } x")).getMessage()
                .contains("unmatched '}' at position 3"));
        assertTrue(assertThrows(TemplateException.class,
                () -> PromptTemplates.scienceQa().withTarget("{answr}")).getMessage().contains("target template"));
        assertTrue(assertThrows(TemplateException.class,
                () -> PromptTemplates.scienceQa().withOptionFormat("({letter}) {choice}")).getMessage()
                .contains("optionFormat template \"({letter}) {choice}\": unknown placeholder {letter}"));
    }

    @Test
    void choiceImagesOnRequest() {
        MultimodalExample img = MultimodalExample.builder().from(GAS)
                .choiceImages(List.of(Path.of("c0.png"), Path.of("c1.png"), Path.of("c2.png"))).build();
        assertEquals(1, PromptTemplates.iconQa().render(img).images().size());
        assertEquals(List.of(Path.of("/data/42.png"), Path.of("c0.png"), Path.of("c1.png"), Path.of("c2.png")),
                PromptTemplates.iconQa().withIncludeChoiceImages(true).render(img).images());
        assertEquals(PromptTemplates.scienceQa(), PromptTemplates.forFormat("ScienceQA"));
        assertEquals(PromptTemplates.iconQa(), PromptTemplates.forFormat("iconqa"));
        assertEquals(PromptTemplates.generic(), PromptTemplates.forFormat("jsonl"));
    }
}
