package dev.mmpeft.eval.caption;

import com.google.common.collect.ImmutableSet;
import dev.mmpeft.eval.internal.PyText;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The caption tokenisation pycocoevalcap applies before every metric, reimplemented in Java: the
 * Stanford PTBTokenizer of CoreNLP 3.4.1 run as {@code PTBTokenizer -preserveLines -lowerCase},
 * followed by the Python wrapper's removal of punctuation tokens.
 *
 * <p>Why: BLEU, ROUGE and CIDEr count n-grams of these tokens, so a different tokenisation gives
 * different numbers. pycocoevalcap starts a Java process with the Stanford jar; we cannot ship
 * that jar, so this class reproduces its behaviour with its default (PTB3) options: contractions
 * split ({@code don't -> do n't}, {@code dog's -> dog 's}), {@code cannot -> can not},
 * {@code gonna -> gon na}, quotes mapped to {@code `` ''} (then removed), round, square and curly
 * brackets mapped to {@code -LRB- -RRB- -LSB- -RSB- -LCB- -RCB-} (which then survive as
 * {@code -lrb-} ... because the wrapper compares upper-case names with lower-cased tokens),
 * hyphenated words, numbers, times and fractions kept whole, abbreviations and acronyms keeping
 * their period ({@code mr. st. u.s. a.}), ellipses and dashes normalised, {@code ½ -> 1/2},
 * {@code € -> $}, {@code £ -> #}, and characters the lexer does not know (emoji) dropped.
 *
 * <p>Limits (documented, deliberate): the lexer's rules are emulated with Java regular
 * expressions matched longest-first in rule order, as JFlex does; it has been checked against
 * the real 3.4.1 tokenizer on ScienceQA's questions, hints, lectures and captions, but exotic input
 * can still differ (URLs and e-mail addresses are approximations; characters outside the Basic
 * Multilingual Plane are dropped, as the 16-bit lexer does; line separators inside a caption,
 * which make pycocoevalcap misalign later captions, are treated as spaces here). HTML entities
 * other than {@code &amp;} are kept as they are.
 */
public final class PtbTokenizer {
    /** The tokens pycocoevalcap's wrapper removes after tokenisation (its PUNCTUATIONS list). */
    public static final ImmutableSet<String> PUNCTUATIONS =
            ImmutableSet.of(
                    "''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-",
                    "--", "...", ";");

    private static final PtbTokenizer INSTANCE = new PtbTokenizer();

    /** The shared tokenizer (it is stateless and thread-safe). */
    public static PtbTokenizer instance() {
        return INSTANCE;
    }

    /**
     * Tokenises one caption as pycocoevalcap does and returns the space-joined result, exactly the
     * string the metrics then see. Same as a batch of one caption.
     */
    public String tokenize(String caption) {
        return tokenize(List.of(caption)).get(0);
    }

    /**
     * Tokenises captions as pycocoevalcap does for one call of its wrapper: the captions are
     * joined into one text, one caption a line, and lexed together (so, as in the original, the
     * context after a caption's last word is the next caption), then each line's tokens are
     * filtered. The result has one space-joined string per caption, in order.
     */
    public List<String> tokenize(List<String> captions) {
        List<List<String>> lines = lexLines(captions);
        List<String> out = new ArrayList<>(captions.size());
        for (List<String> tokens : lines) {
            List<String> kept = new ArrayList<>();
            // The wrapper lower-cases (in Java), splits each output line on single spaces and
            // drops the tokens of its PUNCTUATIONS list.
            String line = PyText.rstrip(String.join(" ", lowerCase(tokens)));
            for (String w : PyText.split(line, " ")) {
                if (!PUNCTUATIONS.contains(w)) {
                    kept.add(w);
                }
            }
            out.add(String.join(" ", kept));
        }
        return out;
    }

    /**
     * The tokens of the Stanford tokenizer alone (lower-cased, before the wrapper's punctuation
     * removal), one list per caption of the batch.
     */
    public List<List<String>> lexLowerCase(List<String> captions) {
        List<List<String>> out = new ArrayList<>();
        for (List<String> line : lexLines(captions)) {
            out.add(lowerCase(line));
        }
        return out;
    }

    private static List<String> lowerCase(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        for (String t : tokens) {
            out.add(t.toLowerCase(Locale.ENGLISH));
        }
        return out;
    }

    /** Lexes the captions as one text, a caption a line, and returns the tokens of each line. */
    private List<List<String>> lexLines(List<String> captions) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < captions.size(); i++) {
            if (i > 0) {
                text.append('\n');
            }
            text.append(PtbLexer.forLexer(captions.get(i)));
        }
        List<List<String>> lines = new ArrayList<>(captions.size());
        List<String> current = new ArrayList<>();
        for (@Nullable String token : PtbLexer.lex(text.toString())) {
            if (token == null) {
                lines.add(current);
                current = new ArrayList<>();
            } else {
                current.add(token);
            }
        }
        lines.add(current);
        if (lines.size() != captions.size()) {
            throw new IllegalStateException(
                    "tokenizer produced " + lines.size() + " lines for " + captions.size() + " captions");
        }
        return lines;
    }
}
