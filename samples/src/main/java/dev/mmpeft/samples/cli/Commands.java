package dev.mmpeft.samples.cli;

import java.util.List;

/**
 * The registry of {@code ./mmpeft} subcommands. Each command is a picocli {@code @Command} class in
 * this package; add new ones here.
 */
final class Commands {
    private Commands() {}

    static List<Object> all() {
        return List.of(new ScoreCommand());
    }
}
