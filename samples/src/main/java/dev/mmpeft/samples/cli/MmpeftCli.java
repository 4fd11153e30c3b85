package dev.mmpeft.samples.cli;

import dev.mmpeft.core.MmpeftException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./mmpeft} command line: one subcommand per thing users do.
 *
 * <p>Exit codes fit scripts: 0 success, 1 a run that failed on bad input (one line on stderr
 * naming the file or field), 2 bad flags (one line plus the usage of that command).
 * Stack traces are printed only with {@code MMPEFT_DEBUG=1}.
 */
@Command(
        name = "mmpeft",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Parameter-efficient fine-tuning of multimodal LLMs (InstructBLIP) on the JVM.",
        subcommands = {CommandLine.HelpCommand.class})
public final class MmpeftCli implements Runnable {
    /** Exit code of a run that failed on bad input. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of bad flags. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** The command line with every subcommand registered. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new MmpeftCli());
        for (Object sub : Commands.all()) {
            cl.addSubcommand(sub);
        }
        cl.setUsageHelpWidth(100);
        cl.setExecutionExceptionHandler(MmpeftCli::onExecutionError);
        cl.setParameterExceptionHandler(MmpeftCli::onBadFlags);
        return cl;
    }

    /** Runs a command line and returns its exit code (tests call this directly). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    private static int onExecutionError(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (debug()) {
            e.printStackTrace(err);
        }
        err.println(prefix(cl) + oneLine(e));
        err.flush();
        return EXIT_FAILURE;
    }

    private static int onBadFlags(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(prefix(cl) + e.getMessage());
        err.println("Try 'mmpeft " + (cl.getParent() == null ? "" : cl.getCommandName() + " ") + "--help' for usage.");
        err.flush();
        return EXIT_USAGE;
    }

    private static String prefix(CommandLine cl) {
        return cl.getParent() == null ? "mmpeft: " : "mmpeft " + cl.getCommandName() + ": ";
    }

    /** The message of a failure on one line: expected errors by their message, others with their type. */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.lang.reflect.UndeclaredThrowableException || t instanceof java.io.UncheckedIOException
                        || t.getClass() == RuntimeException.class)
                && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? "" : t.getMessage();
        String first = message.lines().findFirst().orElse("");
        long more = message.lines().count() - 1;
        String text = first + (more > 0 ? " (" + more + " more lines; MMPEFT_DEBUG=1 shows all)" : "");
        if (t instanceof MmpeftException || t instanceof IllegalArgumentException) {
            return text;
        }
        if (t instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + message;
        }
        return t.getClass().getSimpleName() + ": " + text;
    }

    private static boolean debug() {
        return "1".equals(System.getenv("MMPEFT_DEBUG"));
    }
}
