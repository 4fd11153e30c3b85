package dev.mmpeft.samples.cli;

import dev.mmpeft.datasets.DatasetReaders;
import java.util.List;
import java.util.Locale;

/** Checks of flag values shared by several commands, with one-line messages. */
final class CliArgs {
    private CliArgs() {}

    /** A dataset format the installed readers know ({@code scienceqa}, ..., {@code textvqa}), lower-cased. */
    static String format(String format) {
        String f = format.toLowerCase(Locale.ROOT);
        List<String> known = DatasetReaders.formats();
        if (!known.contains(f)) {
            throw new IllegalArgumentException("unknown --format '" + format + "'; expected one of " + String.join(", ", known));
        }
        return f;
    }
}
