package dev.mmpeft.eval;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads which option a generated answer picks: {@code "(b)"}, {@code "b"}, {@code "B."},
 * {@code "(b) sample A"}, {@code "The answer is B."}, the bare option text ({@code "sample A"}),
 * or an option number ({@code "1"}, 0-based, as in the official result files), ignoring case
 * and extra whitespace.
 *
 * <p>Why: a model that generates text must be scored like one that picks by candidate scoring,
 * and an answer that cannot be read must count as wrong, visibly, rather than be guessed (the
 * official ScienceQA GPT-3 script picks a random option for those; we do not).
 *
 * <p>Order of the tests: the exact option text first (so an option that is itself "a" or "2"
 * wins over the letter or number reading), then after dropping a lead-in such as "the answer
 * is", the option text again, a letter in parentheses or followed by {@code . ) :} (with anything
 * after it), a lone letter, a letter followed by its own option text, and finally a number.
 */
public final class ChoiceParser {
    private static final Pattern LEAD_IN =
            Pattern.compile(
                    "^(?:so\\s+|thus\\s+|therefore\\s+)?(?:the\\s+)?(?:correct\\s+|right\\s+|best\\s+|final\\s+)?"
                            + "(?:answer|option|choice)(?:\\s+is)?\\s*[:\\-]?\\s*");
    private static final Pattern PAREN_LETTER = Pattern.compile("^\\(([a-z])\\)(?:\\s*(.*))?$");
    private static final Pattern PUNCT_LETTER = Pattern.compile("^([a-z])[.):](?:\\s+(.*))?$");
    private static final Pattern LONE_LETTER = Pattern.compile("^([a-z])$");
    private static final Pattern LETTER_THEN_TEXT = Pattern.compile("^([a-z])\\s+(.+)$");
    private static final Pattern NUMBER = Pattern.compile("^[0-9]+$");

    private ChoiceParser() {}

    /** The 0-based option {@code text} picks among {@code choices}, or empty when it cannot be read. */
    public static OptionalInt parse(String text, List<String> choices) {
        String t = normalize(text);
        if (t.isEmpty() || choices.isEmpty()) {
            return OptionalInt.empty();
        }
        OptionalInt exact = optionText(t, choices);
        if (exact.isPresent()) {
            return exact;
        }
        String body = LEAD_IN.matcher(t).replaceFirst("");
        if (!body.equals(t)) {
            body = stripEnds(body);
            exact = optionText(body, choices);
            if (exact.isPresent()) {
                return exact;
            }
        }
        Matcher m = PAREN_LETTER.matcher(body);
        if (m.matches()) {
            return letter(m.group(1).charAt(0), choices);
        }
        m = PUNCT_LETTER.matcher(body);
        if (m.matches()) {
            return letter(m.group(1).charAt(0), choices);
        }
        m = LONE_LETTER.matcher(body);
        if (m.matches()) {
            return letter(m.group(1).charAt(0), choices);
        }
        m = LETTER_THEN_TEXT.matcher(body);
        if (m.matches()) {
            OptionalInt l = letter(m.group(1).charAt(0), choices);
            if (l.isPresent() && normalize(choices.get(l.getAsInt())).equals(stripEnds(m.group(2)))) {
                return l;
            }
            return OptionalInt.empty();
        }
        if (NUMBER.matcher(body).matches() && body.length() < 9) {
            int i = Integer.parseInt(body);
            return i < choices.size() ? OptionalInt.of(i) : OptionalInt.empty();
        }
        return OptionalInt.empty();
    }

    /** The letter a model would write for option {@code index}: (a), (b), ... */
    public static String letterOf(int index) {
        return "(" + (char) ('a' + index) + ")";
    }

    /** Case-folded, Unicode-compatibility-normalised, whitespace collapsed, outer quotes and final punctuation removed. */
    static String normalize(String s) {
        String t = Normalizer.normalize(s, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        t = t.replaceAll("\\s+", " ").strip();
        return stripEnds(t);
    }

    private static String stripEnds(String s) {
        String t = s.strip();
        boolean changed = true;
        while (changed && !t.isEmpty()) {
            changed = false;
            char first = t.charAt(0);
            char last = t.charAt(t.length() - 1);
            if (t.length() >= 2 && (first == '"' || first == '\'' || first == '`') && last == first) {
                t = t.substring(1, t.length() - 1).strip();
                changed = true;
            } else if (last == '.' || last == '!' || last == '?' || last == ';' || last == ',') {
                t = t.substring(0, t.length() - 1).strip();
                changed = true;
            }
        }
        return t;
    }

    private static OptionalInt optionText(String t, List<String> choices) {
        for (int i = 0; i < choices.size(); i++) {
            if (normalize(choices.get(i)).equals(t)) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    private static OptionalInt letter(char c, List<String> choices) {
        int i = c - 'a';
        return i >= 0 && i < choices.size() ? OptionalInt.of(i) : OptionalInt.empty();
    }
}
