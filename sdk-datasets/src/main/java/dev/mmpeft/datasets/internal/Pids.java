package dev.mmpeft.datasets.internal;

import java.util.Comparator;
import java.util.regex.Pattern;

/** Record ids that become folder names: what is allowed and how they sort. */
final class Pids {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-]*");

    private Pids() {}

    /** Whether {@code pid} is a plain folder name (no separators, no {@code ..}). */
    static boolean isSafe(String pid) {
        return SAFE.matcher(pid).matches() && !pid.contains("..");
    }

    /** Numeric ids in numeric order first, then the others in text order: the order of the releases. */
    static final Comparator<String> NATURAL = (a, b) -> {
        boolean na = isNumber(a);
        boolean nb = isNumber(b);
        if (na && nb) {
            int c = Integer.compare(a.length(), b.length());
            return c != 0 ? c : a.compareTo(b);
        }
        if (na != nb) {
            return na ? -1 : 1;
        }
        return a.compareTo(b);
    };

    private static boolean isNumber(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return s.charAt(0) != '0' || s.length() == 1;
    }
}
