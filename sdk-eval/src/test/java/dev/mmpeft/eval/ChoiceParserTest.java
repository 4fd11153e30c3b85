package dev.mmpeft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChoiceParserTest {
    private static final List<String> CHOICES = List.of("sample A", "sample B", "neither; the samples have the same temperature");

    @ParameterizedTest(name = "[{0}] -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "(b)|1",
                "b|1",
                "B|1",
                "B.|1",
                "b)|1",
                "(B) sample B|1",
                "(b) sample A|1", // the letter decides, as a model would mean it
                "  ( c )  |-1", // spaces inside the parentheses are not a letter form
                "(c)neither|2",
                "The answer is B.|1",
                "answer: (a)|0",
                "sample A|0",
                "  SAMPLE   a .|0",
                "the answer is sample B|1",
                "Neither; the samples have the same temperature.|2",
                "2|2",
                "(d)|-1", // only three options
                "7|-1",
                "maybe the first one|-1",
                "a cat|-1", // not the letter a: the rest is not option (a)'s text
                "''|-1",
            })
    void readsTheOptionOrNothing(String text, int expected) {
        OptionalInt got = ChoiceParser.parse(text, CHOICES);
        assertEquals(expected, got.orElse(-1), () -> "parse(\"" + text + "\")");
    }

    @Test
    void anOptionThatIsALetterOrNumberWinsOverTheLetterOrNumberReading() {
        assertEquals(0, ChoiceParser.parse("b", List.of("b", "c")).getAsInt());
        assertEquals(1, ChoiceParser.parse("3", List.of("4", "3", "5")).getAsInt());
        assertEquals(2, ChoiceParser.parse("2", List.of("4", "3", "5")).getAsInt());
    }

    @Test
    void emptyAndUnicode() {
        assertEquals(OptionalInt.empty(), ChoiceParser.parse("", CHOICES));
        assertEquals(OptionalInt.empty(), ChoiceParser.parse("   ", CHOICES));
        assertEquals(OptionalInt.empty(), ChoiceParser.parse("(a)", List.of()));
        // NFKC + case folding: full-width letters and accented capitals match their option.
        assertEquals(1, ChoiceParser.parse("ÄRGER", List.of("freude", "ärger")).getAsInt());
        assertEquals(1, ChoiceParser.parse("（ｂ）", List.of("x", "y")).getAsInt());
        assertEquals("(c)", ChoiceParser.letterOf(2));
    }
}
