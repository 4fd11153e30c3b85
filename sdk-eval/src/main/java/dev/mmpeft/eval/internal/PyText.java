package dev.mmpeft.eval.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * String operations with Python 3 {@code str} semantics, because the official scripts we match
 * are Python: {@code split()}, {@code strip()} and {@code split(" ")} treat whitespace and empty
 * pieces differently from their Java namesakes, and a different split changes n-gram counts.
 */
public final class PyText {
    private PyText() {}

    /** Whether {@code c} is whitespace for Python's {@code str.isspace()} (and so for {@code split()}). */
    public static boolean isSpace(int c) {
        switch (c) {
            case ' ':
            case '\t':
            case '\n':
            case 0x0B:
            case '\f':
            case '\r':
            case 0x1C:
            case 0x1D:
            case 0x1E:
            case 0x1F:
            case 0x85:
            case 0xA0:
            case 0x1680:
            case 0x2028:
            case 0x2029:
            case 0x202F:
            case 0x205F:
            case 0x3000:
                return true;
            default:
                return c >= 0x2000 && c <= 0x200A;
        }
    }

    /** Python {@code s.split()}: runs of whitespace separate words; no empty words. */
    public static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (i < n) {
            while (i < n && isSpace(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isSpace(s.charAt(i))) {
                i++;
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out;
    }

    /** Python {@code s.split(sep)} for a non-empty literal separator: keeps empty pieces, always at least one. */
    public static List<String> split(String s, String sep) {
        List<String> out = new ArrayList<>();
        int start = 0;
        int at;
        while ((at = s.indexOf(sep, start)) >= 0) {
            out.add(s.substring(start, at));
            start = at + sep.length();
        }
        out.add(s.substring(start));
        return out;
    }

    /** Python {@code s.strip()}. */
    public static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    /** Python {@code s.rstrip()}. */
    public static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    /** Whether {@code c} is a decimal digit for Python's {@code \d} in a str pattern (Unicode Nd). */
    public static boolean isDigit(int c) {
        return Character.getType(c) == Character.DECIMAL_DIGIT_NUMBER;
    }
}
