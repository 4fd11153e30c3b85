package dev.mmpeft.peft.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Suggestions for a name that matched nothing: the closest candidates by edit distance. */
public final class Names {
    private Names() {}

    /**
     * The {@code limit} candidates closest to {@code wanted}: each module name is compared whole and
     * by each of its dotted suffixes ({@code querry} is close to {@code ...attention.query}), ties in
     * candidate order.
     */
    public static List<String> closest(String wanted, Collection<String> moduleNames, int limit) {
        List<Scored> scored = new ArrayList<>();
        int order = 0;
        for (String name : moduleNames) {
            int best = Integer.MAX_VALUE;
            String[] parts = name.split("\\.");
            for (int i = 0; i < parts.length; i++) {
                String suffix = String.join(".", java.util.Arrays.asList(parts).subList(i, parts.length));
                best = Math.min(best, distance(wanted, suffix));
            }
            scored.add(new Scored(name, best, order++));
        }
        scored.sort(Comparator.comparingInt((Scored s) -> s.distance).thenComparingInt(s -> s.order));
        Set<String> out = new LinkedHashSet<>();
        for (Scored s : scored) {
            if (out.size() == limit) {
                break;
            }
            out.add(s.name);
        }
        return new ArrayList<>(out);
    }

    /** Levenshtein distance. */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static final class Scored {
        final String name;
        final int distance;
        final int order;

        Scored(String name, int distance, int order) {
            this.name = name;
            this.distance = distance;
            this.order = order;
        }
    }
}
