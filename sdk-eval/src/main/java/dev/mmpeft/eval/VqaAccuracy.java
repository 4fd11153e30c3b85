package dev.mmpeft.eval;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import dev.mmpeft.eval.internal.PyText;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * The VQA accuracy of the official VQA evaluation (GT-Vision-Lab/VQA {@code vqaEval.py}): an
 * answer scores {@code min(#humans who gave it / 3, 1)}, averaged over the ten leave-one-out
 * subsets of the ten human answers, after the official normalisation.
 *
 * <p>The normalisation is reproduced with its quirks, since published numbers depend on them:
 * the prediction has newlines and tabs made spaces and is stripped, then punctuation is removed
 * or replaced by a space ({@link #processPunctuation}), then it is lower-cased, number words
 * become digits, articles are dropped and apostrophe-less contractions are restored
 * ({@link #processDigitArticle}). The human answers get only the punctuation step, and only
 * when they are not all identical. At most 32 periods are removed (the script passes
 * {@code re.UNICODE} where {@code re.sub} expects a count).
 */
public final class VqaAccuracy {
    private static final ImmutableList<Character> PUNCT =
            ImmutableList.of(
                    ';', '/', '[', ']', '"', '{', '}', '(', ')', '=', '+', '\\', '_', '-', '>', '<', '@', '`', ',', '?',
                    '!');
    private static final ImmutableMap<String, String> MANUAL_MAP =
            ImmutableMap.<String, String>builder()
                    .put("none", "0")
                    .put("zero", "0")
                    .put("one", "1")
                    .put("two", "2")
                    .put("three", "3")
                    .put("four", "4")
                    .put("five", "5")
                    .put("six", "6")
                    .put("seven", "7")
                    .put("eight", "8")
                    .put("nine", "9")
                    .put("ten", "10")
                    .buildOrThrow();
    private static final ImmutableSet<String> ARTICLES = ImmutableSet.of("a", "an", "the");
    /** The official contraction table (keys and values as in vqaEval.py, typos included). */
    private static final ImmutableMap<String, String> CONTRACTIONS = contractions();

    /** The official period removal allows at most this many replacements. */
    private static final int MAX_PERIODS_REMOVED = 32;

    private VqaAccuracy() {}

    /** The VQA accuracy (0..1) of {@code prediction} against the human answers of one question. */
    public static double score(String prediction, List<String> humanAnswers) {
        if (humanAnswers.isEmpty()) {
            throw new IllegalArgumentException("VQA accuracy needs at least one human answer");
        }
        String res = normalizePrediction(prediction);
        List<String> gts = new ArrayList<>(humanAnswers);
        if (new HashSet<>(gts).size() > 1) {
            gts.replaceAll(VqaAccuracy::processPunctuation);
        }
        double sum = 0;
        for (int i = 0; i < gts.size(); i++) {
            int matches = 0;
            for (int j = 0; j < gts.size(); j++) {
                if (j != i && gts.get(j).equals(res)) {
                    matches++;
                }
            }
            sum += Math.min(1.0, matches / 3.0);
        }
        return sum / gts.size();
    }

    /** The prediction as the official script compares it. */
    public static String normalizePrediction(String prediction) {
        String res = PyText.strip(prediction.replace('\n', ' ').replace('\t', ' '));
        return processDigitArticle(processPunctuation(res));
    }

    /** The official punctuation step. */
    public static String processPunctuation(String in) {
        String out = in;
        boolean commaBetweenDigits = hasCommaBetweenDigits(in);
        for (char p : PUNCT) {
            String ps = String.valueOf(p);
            if (in.contains(ps + " ") || in.contains(" " + ps) || commaBetweenDigits) {
                out = out.replace(ps, "");
            } else {
                out = out.replace(ps, " ");
            }
        }
        // periodStrip: a '.' not followed by a digit, leftmost first, at most 32 of them.
        StringBuilder sb = new StringBuilder(out.length());
        int removed = 0;
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            if (c == '.'
                    && removed < MAX_PERIODS_REMOVED
                    && !(i + 1 < out.length() && PyText.isDigit(out.codePointAt(i + 1)))) {
                removed++;
                continue;
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** The official lower-casing, number-word, article and contraction step. */
    public static String processDigitArticle(String in) {
        List<String> out = new ArrayList<>();
        for (String word : PyText.split(in.toLowerCase(Locale.ROOT))) {
            String w = MANUAL_MAP.getOrDefault(word, word);
            if (!ARTICLES.contains(w)) {
                out.add(w);
            }
        }
        out.replaceAll(w -> CONTRACTIONS.getOrDefault(w, w));
        return String.join(" ", out);
    }

    private static boolean hasCommaBetweenDigits(String s) {
        for (int i = 1; i + 1 < s.length(); i++) {
            if (s.charAt(i) == ',' && PyText.isDigit(s.codePointBefore(i)) && PyText.isDigit(s.codePointAt(i + 1))) {
                return true;
            }
        }
        return false;
    }

    private static ImmutableMap<String, String> contractions() {
        String[] pairs = {
            "aint", "ain't", "arent", "aren't", "cant", "can't", "couldve", "could've", "couldnt", "couldn't",
            "couldn'tve", "couldn't've", "couldnt've", "couldn't've", "didnt", "didn't", "doesnt", "doesn't",
            "dont", "don't", "hadnt", "hadn't", "hadnt've", "hadn't've", "hadn'tve", "hadn't've", "hasnt", "hasn't",
            "havent", "haven't", "hed", "he'd", "hed've", "he'd've", "he'dve", "he'd've", "hes", "he's", "howd",
            "how'd", "howll", "how'll", "hows", "how's", "Id've", "I'd've", "I'dve", "I'd've", "Im", "I'm", "Ive",
            "I've", "isnt", "isn't", "itd", "it'd", "itd've", "it'd've", "it'dve", "it'd've", "itll", "it'll",
            "let's", "let's", "maam", "ma'am", "mightnt", "mightn't", "mightnt've", "mightn't've", "mightn'tve",
            "mightn't've", "mightve", "might've", "mustnt", "mustn't", "mustve", "must've", "neednt", "needn't",
            "notve", "not've", "oclock", "o'clock", "oughtnt", "oughtn't", "ow's'at", "'ow's'at", "'ows'at",
            "'ow's'at", "'ow'sat", "'ow's'at", "shant", "shan't", "shed've", "she'd've", "she'dve", "she'd've",
            "she's", "she's", "shouldve", "should've", "shouldnt", "shouldn't", "shouldnt've", "shouldn't've",
            "shouldn'tve", "shouldn't've", "somebody'd", "somebodyd", "somebodyd've", "somebody'd've",
            "somebody'dve", "somebody'd've", "somebodyll", "somebody'll", "somebodys", "somebody's", "someoned",
            "someone'd", "someoned've", "someone'd've", "someone'dve", "someone'd've", "someonell", "someone'll",
            "someones", "someone's", "somethingd", "something'd", "somethingd've", "something'd've",
            "something'dve", "something'd've", "somethingll", "something'll", "thats", "that's", "thered",
            "there'd", "thered've", "there'd've", "there'dve", "there'd've", "therere", "there're", "theres",
            "there's", "theyd", "they'd", "theyd've", "they'd've", "they'dve", "they'd've", "theyll", "they'll",
            "theyre", "they're", "theyve", "they've", "twas", "'twas", "wasnt", "wasn't", "wed've", "we'd've",
            "we'dve", "we'd've", "weve", "we've", "werent", "weren't", "whatll", "what'll", "whatre", "what're",
            "whats", "what's", "whatve", "what've", "whens", "when's", "whered", "where'd", "wheres", "where's",
            "whereve", "where've", "whod", "who'd", "whod've", "who'd've", "who'dve", "who'd've", "wholl", "who'll",
            "whos", "who's", "whove", "who've", "whyll", "why'll", "whyre", "why're", "whys", "why's", "wont",
            "won't", "wouldve", "would've", "wouldnt", "wouldn't", "wouldnt've", "wouldn't've", "wouldn'tve",
            "wouldn't've", "yall", "y'all", "yall'll", "y'all'll", "y'allll", "y'all'll", "yall'd've", "y'all'd've",
            "y'alld've", "y'all'd've", "y'all'dve", "y'all'd've", "youd", "you'd", "youd've", "you'd've", "you'dve",
            "you'd've", "youll", "you'll", "youre", "you're", "youve", "you've"
        };
        ImmutableMap.Builder<String, String> b = ImmutableMap.builder();
        for (int i = 0; i < pairs.length; i += 2) {
            b.put(pairs[i], pairs[i + 1]);
        }
        return b.buildOrThrow();
    }
}
