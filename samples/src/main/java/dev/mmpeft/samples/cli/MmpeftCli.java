package dev.mmpeft.samples.cli;

import dev.mmpeft.core.MmpeftException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
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
        err.println(prefix(cl) + badFlagsMessage(e, cl));
        err.println("Try 'mmpeft " + (cl.getParent() == null ? "" : cl.getCommandName() + " ") + "--help' for usage.");
        err.flush();
        return EXIT_USAGE;
    }

    /** picocli's message, with an unknown command or option named as such, with the closest known one. */
    static String badFlagsMessage(CommandLine.ParameterException e, CommandLine cl) {
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String first = u.getUnmatched().get(0);
            if (!first.startsWith("-") && !cl.getSubcommands().isEmpty()) {
                return "unknown command '" + first + "'" + closest(first, cl.getSubcommands().keySet())
                        .map(c -> "; did you mean '" + c + "'?").orElse("") + " (commands: "
                        + String.join(", ", cl.getSubcommands().keySet()) + ")";
            }
            if (first.startsWith("-")) {
                List<String> names = new ArrayList<>();
                cl.getCommandSpec().options().forEach(o -> names.addAll(List.of(o.names())));
                String name = first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
                return "unknown option '" + name + "'" + closest(name, names).map(c -> "; did you mean '" + c + "'?").orElse("");
            }
        }
        return e.getMessage();
    }

    /** The candidate nearest to {@code word} by edit distance, when it is near enough to be a typo. */
    static Optional<String> closest(String word, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best != null && bestDistance <= Math.max(2, best.length() / 3) ? Optional.of(best) : Optional.empty();
    }

    /** Edits (insert, delete, replace, swap of neighbours) from a to b: {@code trian} is one from {@code train}. */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
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
        // the JDK's file errors in words: the message is the path
        if (t instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + message;
        }
        if (t instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + message;
        }
        if (t instanceof java.nio.file.NotDirectoryException) {
            return "not a directory: " + message;
        }
        if (t instanceof java.nio.file.FileAlreadyExistsException) {
            return "already exists: " + message;
        }
        if (t instanceof java.nio.file.FileSystemException f) {
            return f.getFile() + ": " + (f.getReason() == null ? "cannot be used" : f.getReason());
        }
        if (t instanceof java.io.IOException) {
            return "cannot read or write a file: " + text;
        }
        if (t instanceof OutOfMemoryError) {
            return "out of memory (raise it with MMPEFT_JAVA_OPTS=-Xmx16g, say)";
        }
        // a failure the SDK did not foresee: a bug; its type stays out of the line, the trace is one flag away
        return "unexpected error" + (text.isEmpty() ? "" : ": " + text) + " (a bug; MMPEFT_DEBUG=1 prints where)";
    }

    private static boolean debug() {
        return "1".equals(System.getenv("MMPEFT_DEBUG"));
    }
}
