package dev.mmpeft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-worked cases of the official VQA accuracy (GT-Vision-Lab/VQA vqaEval.py). */
class VqaAccuracyTest {
    @Test
    void threeOfTenHumansAgreeing() {
        // Leave-one-out over 10 answers, 3 of which are "2": leaving out a "2" leaves 2 matches
        // (2/3), leaving out another leaves 3 (1): (3 * 2/3 + 7 * 1) / 10 = 0.9.
        // "Two." normalises to "2"; the human "two" stays "two" (humans only get the punctuation step).
        List<String> humans = List.of("2", "2", "2", "two", "3", "3", "3", "3", "3", "3");
        assertEquals(0.9, VqaAccuracy.score("Two.", humans), 1e-12);
        // "3" is given by six humans: every subset keeps at least 5 -> 1.
        assertEquals(1.0, VqaAccuracy.score("3", humans), 1e-12);
        // "two" becomes "2" before comparing, so it scores like "2", not like the human "two".
        assertEquals(0.9, VqaAccuracy.score("two", humans), 1e-12);
    }

    @Test
    void oneHumanAgreeingAndAllWrong() {
        List<String> humans = List.of("red", "blue", "blue", "blue", "blue", "blue", "blue", "blue", "blue", "blue");
        // Leaving out "red" leaves 0 matches; each of the other 9 subsets keeps 1: 9 * (1/3) / 10.
        assertEquals(0.3, VqaAccuracy.score("Red", humans), 1e-12);
        assertEquals(0.0, VqaAccuracy.score("green", humans), 1e-12);
        assertEquals(0.0, VqaAccuracy.score("", humans), 1e-12);
    }

    @Test
    void identicalHumanAnswersAreComparedAsTheyAre() {
        List<String> yes = Collections.nCopies(10, "yes");
        assertEquals(1.0, VqaAccuracy.score("Yes!", yes), 1e-12);
        // With identical answers the humans are not normalised at all: "Yes" never equals "yes".
        assertEquals(0.0, VqaAccuracy.score("no", Collections.nCopies(10, "Yes")), 1e-12);
        assertEquals(0.0, VqaAccuracy.score("yes", Collections.nCopies(10, "Yes")), 1e-12);
    }

    @Test
    void singleHumanAnswerCanNeverScore() {
        // Leave-one-out on one answer leaves nobody to agree with: the official rule gives 0.
        assertEquals(0.0, VqaAccuracy.score("cat", List.of("cat")), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> VqaAccuracy.score("cat", List.of()));
    }

    @Test
    void officialNormalisation() {
        assertEquals("dog", VqaAccuracy.normalizePrediction("The dog"));
        assertEquals("don't know", VqaAccuracy.normalizePrediction("dont know"));
        assertEquals("3000", VqaAccuracy.normalizePrediction("3,000")); // digit,digit: punctuation removed outright
        assertEquals("yes no", VqaAccuracy.normalizePrediction("yes/no")); // otherwise replaced by a space
        assertEquals("hello", VqaAccuracy.normalizePrediction("hello !")); // next to a space: removed
        assertEquals("1.5", VqaAccuracy.normalizePrediction("1.5")); // a period before a digit stays
        assertEquals("end", VqaAccuracy.normalizePrediction("  end.\n"));
        assertEquals("10 2", VqaAccuracy.normalizePrediction("ten two"));
        assertEquals("über straße", VqaAccuracy.normalizePrediction("Über Straße"));
        // The script passes re.UNICODE (32) as re.sub's count: only 32 periods go.
        assertEquals(".", VqaAccuracy.processPunctuation(".".repeat(33)));
        assertEquals("", VqaAccuracy.processPunctuation(".".repeat(32)));
    }
}
