package dev.mmpeft.samples.cli;

import dev.mmpeft.datasets.MissingImages;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;

/** Checks of flag values shared by several commands: a bad value is a flag error (exit 2) naming the flag. */
final class CliArgs {
    private static final Set<String> FORMATS = Set.of("scienceqa", "iconqa", "jsonl");

    private CliArgs() {}

    /** A dataset format, lower-cased. */
    static String format(CommandLine cl, String format) {
        String f = format.toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(f)) {
            throw new CommandLine.ParameterException(cl, "unknown --format '" + format + "'; expected scienceqa, iconqa or jsonl");
        }
        return f;
    }

    /** A {@code --missing-images} policy among {@code allowed}. */
    static MissingImages missingImages(CommandLine cl, String value, MissingImages... allowed) {
        for (MissingImages m : allowed) {
            if (m.name().equalsIgnoreCase(value.strip())) {
                return m;
            }
        }
        throw new CommandLine.ParameterException(cl, "invalid --missing-images '" + value + "' (expected one of "
                + java.util.Arrays.stream(allowed).map(m -> m.name().toLowerCase(Locale.ROOT)).toList() + ")");
    }
}
