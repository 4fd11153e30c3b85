package dev.mmpeft.core;


import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultimodalExampleTest {
    private static MultimodalExample.Builder scienceQa() {
        return MultimodalExample.builder()
                .id("12")
                .split("train")
                .addImages(Path.of("train/12/image.png"))
                .question("Which of these states is farthest north?")
                .addChoices("West Virginia", "Louisiana", "Arizona", "Oklahoma")
                .answerIndex(0)
                .context("")
                .putMetadata("subject", "social science")
                .putMetadata("grade", "grade2")
                .addSkills("geography");
    }

    @Test
    void multipleChoiceExample() {
        MultimodalExample e = scienceQa().build();
        assertTrue(e.isMultipleChoice());
        assertEquals(Optional.of("West Virginia"), e.answerText());
        assertEquals(Optional.of("grade2"), e.meta("grade"));
        assertEquals(Optional.empty(), e.meta("topic"));
        assertEquals("", e.lecture());
        assertEquals(List.of("geography"), e.skills());
        // immutable: a changed copy leaves the original alone
        MultimodalExample other = e.toBuilder().answerIndex(2).build();
        assertEquals(Optional.of("Arizona"), other.answerText());
        assertEquals(Optional.of("West Virginia"), e.answerText());
        assertThrows(UnsupportedOperationException.class, () -> e.choices().add("Texas"));
    }

    @Test
    void openAnswerExample() {
        MultimodalExample vqa = MultimodalExample.builder()
                .id("q1").split("val").question("What color is the bus?").addAnswers("red", "red", "dark red").build();
        assertFalse(vqa.isMultipleChoice());
        assertEquals(Optional.of("red"), vqa.answerText());
        MultimodalExample none = MultimodalExample.builder().id("q2").split("test").question("?").build();
        assertEquals(Optional.empty(), none.answerText());
    }

    @Test
    void contradictoryFieldsAreRejectedNamingTheExample() {
        InvalidExampleException range = assertThrows(InvalidExampleException.class, () -> scienceQa().answerIndex(4).build());
        assertEquals("example 12: answer index 4 is out of range for 4 choices", range.getMessage());
        assertThrows(InvalidExampleException.class, () -> scienceQa().answerIndex(-1).build());
        InvalidExampleException images = assertThrows(InvalidExampleException.class,
                () -> scienceQa().addChoiceImages(Path.of("a.png"), Path.of("b.png")).build());
        assertEquals("example 12: 2 choice images for 4 choices", images.getMessage());
        InvalidExampleException blank = assertThrows(InvalidExampleException.class, () -> scienceQa().id(" ").build());
        assertTrue(blank.getMessage().startsWith("example id must not be blank"), blank.getMessage());
        assertTrue(MmpeftException.class.isAssignableFrom(InvalidExampleException.class));
    }
}
