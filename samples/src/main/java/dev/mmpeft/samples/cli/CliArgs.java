package dev.mmpeft.samples.cli;

import java.util.Locale;
import java.util.Set;

/** Checks of flag values shared by several commands, with one-line messages. */
final class CliArgs {
    private static final Set<String> FORMATS = Set.of("scienceqa", "iconqa", "jsonl");

    private CliArgs() {}

    /** A dataset format, lower-cased. */
    static String format(String format) {
        String f = format.toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(f)) {
            throw new IllegalArgumentException("unknown --format '" + format + "'; expected scienceqa, iconqa or jsonl");
        }
        return f;
    }
}
