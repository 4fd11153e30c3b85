package dev.mmpeft.eval.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PtbTokenizerTest {
    private final PtbTokenizer tok = PtbTokenizer.instance();

    @Test
    void contractionsQuotesBracketsAndPunctuation() {
        assertEquals("a man 's dog does n't like the grey colour", tok.tokenize("A man's dog doesn't like the grey colour."));
        // Quotes become `` '' and are dropped; round brackets become -LRB- -RRB-, which survive as
        // -lrb- -rrb- because the wrapper compares upper-case names with lower-cased tokens.
        assertEquals(
                "two happy kids -lrb- ages 5-7 -rrb- play with a t-shirt & a ball",
                tok.tokenize("Two \"happy\" kids (ages 5-7) play with a T-shirt & a ball..."));
        assertEquals("i can not go to st. louis dr. who", tok.tokenize("I cannot go to St. Louis, Dr. Who?"));
        assertEquals("-lsb- red -rsb- car -lcb- x -rcb- ?! no !!", tok.tokenize("[red] car {x} ?! no!!"));
        assertEquals("it 's 3:30 pm in the u.s. o'neill 's hat", tok.tokenize("It's 3:30 pm in the U.S. O'Neill's hat"));
    }

    @Test
    void emptyUnicodeAndSymbols() {
        assertEquals("", tok.tokenize(""));
        assertEquals("", tok.tokenize("... -- ; , : ? ! ' ` ''"));
        // Fractions and currency are normalised; an emoji (outside the 16-bit range) is dropped.
        assertEquals("1/2 cup $ 5 # 3 emoji here", tok.tokenize("½ cup €5 £3 😀 emoji here"));
        assertEquals("café naïve über-cool straße 日本語", tok.tokenize("Café naïve Über-cool Straße 日本語"));
        // A newline inside a caption is a space, as pycocoevalcap replaces it.
        assertEquals("a dog on a bed", tok.tokenize("A dog\non a bed."));
    }

    @Test
    void theNextCaptionIsTrailingContextAsInTheOriginal() {
        // pycocoevalcap tokenises all captions of a call as one file, one per line: "I." before a
        // line starting "Then " is a sentence end (the period splits off and is dropped) ...
        assertEquals(List.of("the letter i", "then a dog"), tok.tokenize(List.of("the letter I.", "Then a dog.")));
        // ... but kept as an abbreviation when nothing follows.
        assertEquals("the letter i.", tok.tokenize("the letter I."));
    }

    /**
     * Golden file: 300 captions (captions, ScienceQA questions/hints/lectures, and hand-made hard
     * cases) tokenised by the real CoreNLP 3.4.1 PTBTokenizer that pycocoevalcap ships, as one file
     * ({@code java -cp stanford-corenlp-3.4.1.jar edu.stanford.nlp.process.PTBTokenizer
     * -preserveLines -lowerCase captions.txt}), then filtered with pycocoevalcap's PUNCTUATIONS. To
     * regenerate: fetch {@code edu.stanford.nlp:stanford-corenlp:3.4.1} from Maven Central and rerun
     * that command on the "caption" fields (the jar is a test oracle only, never a dependency).
     */
    @Test
    void matchesTheStanfordTokenizerOnTheGoldenFile() throws IOException {
        JsonNode golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/ptb-tokenizer-3.4.1.json")) {
            golden = Json.mapper().readTree(in);
        }
        List<String> captions = new ArrayList<>();
        golden.get("captions").forEach(c -> captions.add(c.get("caption").asText()));
        List<List<String>> lexed = tok.lexLowerCase(captions);
        List<String> tokenized = tok.tokenize(captions);
        assertEquals(300, captions.size());
        for (int i = 0; i < captions.size(); i++) {
            JsonNode g = golden.get("captions").get(i);
            int line = i;
            assertEquals(g.get("lexer").asText(), String.join(" ", lexed.get(i)), () -> "lexer, line " + line + ": " + captions.get(line));
            assertEquals(g.get("tokenized").asText(), tokenized.get(i), () -> "tokenized, line " + line);
        }
    }
}
