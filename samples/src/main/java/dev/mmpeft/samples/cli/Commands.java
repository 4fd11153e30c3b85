package dev.mmpeft.samples.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The registry of {@code ./mmpeft} subcommands. Each command is a picocli {@code @Command} class in
 * this package; add new ones here, one line each.
 */
final class Commands {
    private Commands() {}

    static List<Object> all() {
        List<Object> commands = new ArrayList<>();
        commands.add(new InspectCommand());
        commands.add(new ForwardCommand());
        commands.add(new GenerateCommand());
        commands.add(new DatasetCommand());
        commands.add(new ScoreCommand());
        commands.add(new MergeCommand());
        commands.add(new BenchCommand());
        commands.add(new DefaultModelCommand());
        commands.add(new QuickstartCommand());
        commands.add(new TrainCommand());
        commands.add(new EvaluateCommand());
        commands.add(new SweepCommand());
        commands.add(new ServeCommand());
        commands.add(new LoadtestCommand());
        return commands;
    }
}
