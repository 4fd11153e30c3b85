package dev.mmpeft.samples.cli;

import dev.mmpeft.datasets.DatasetReaders;
import dev.mmpeft.datasets.MissingImages;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;

/** Checks of flag values shared by several commands: a bad value is a flag error (exit 2) naming the flag. */
final class CliArgs {
    private CliArgs() {}

    /** A dataset format the installed readers know ({@code scienceqa}, ..., {@code textvqa}), lower-cased. */
    static String format(CommandLine cl, String format) {
        String f = format.toLowerCase(Locale.ROOT);
        List<String> known = DatasetReaders.formats();
        if (!known.contains(f)) {
            throw new CommandLine.ParameterException(cl, "unknown --format '" + format + "'; expected one of " + String.join(", ", known));
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
