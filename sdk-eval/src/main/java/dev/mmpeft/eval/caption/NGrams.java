package dev.mmpeft.eval.caption;

import dev.mmpeft.eval.internal.PyText;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** n-gram counting as pycocoevalcap's {@code precook}: words from Python's {@code split()}. */
final class NGrams {
    private NGrams() {}

    /** Counts of all n-grams of orders 1..n (keys are the words joined by a space). */
    static Map<String, Integer> count(List<String> words, int n) {
        Map<String, Integer> counts = new HashMap<>();
        for (int k = 1; k <= n; k++) {
            for (int i = 0; i + k <= words.size(); i++) {
                counts.merge(key(words, i, k), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** The words of a tokenised caption. */
    static List<String> words(String caption) {
        return PyText.split(caption);
    }

    /** The order (number of words) of an n-gram key. */
    static int order(String key) {
        int n = 1;
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) == ' ') {
                n++;
            }
        }
        return n;
    }

    private static String key(List<String> words, int from, int k) {
        // Words never contain ' ' (split() cuts at every space), so a space separates them safely.
        if (k == 1) {
            return words.get(from);
        }
        StringBuilder sb = new StringBuilder(words.get(from));
        for (int i = from + 1; i < from + k; i++) {
            sb.append(' ').append(words.get(i));
        }
        return sb.toString();
    }
}
