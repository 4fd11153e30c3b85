package dev.mmpeft.core.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * What one fuzz case changed, for the failure message, and what a typed error about it must name:
 * the file always, and the field it touched (gave a value of another kind, or deleted) when the
 * campaign requires field names.
 */
public final class Mutation {
    private final StringBuilder description = new StringBuilder();
    private final List<List<String>> mustName = new ArrayList<>();
    private String touched = "";
    private String input = "";

    /** Adds a step to the description ({@code "replace $.answer with -1"}). */
    public Mutation describe(String step) {
        if (description.length() > 0) {
            description.append("; ");
        }
        description.append(step);
        return this;
    }

    /** The steps so far, then the mutated input when one was recorded. */
    public String describe() {
        return description + (input.isEmpty() ? "" : "; input: " + input);
    }

    /**
     * A text every typed error of this case must contain (usually the file name), or one of
     * several (when an edit of one file can be reported against another of the same dataset).
     */
    public Mutation mustName(String text, String... alternatives) {
        List<String> any = new ArrayList<>();
        any.add(text);
        any.addAll(List.of(alternatives));
        mustName.add(any);
        return this;
    }

    /** Each entry: texts of which a typed error must contain one. */
    public List<List<String>> mustName() {
        return mustName;
    }

    /** The one field this case gave a value of another kind or deleted. */
    public Mutation touched(String name) {
        this.touched = name;
        return this;
    }

    /** The field touched, {@code ""} when none was (or the edit was not of one field). */
    public String touched() {
        return touched;
    }

    /** Records the mutated input (clipped) so a failure can be reproduced by hand. */
    public Mutation input(String text) {
        this.input = text.length() > 1500 ? text.substring(0, 1500) + "...(" + text.length() + " chars)" : text;
        return this;
    }
}
