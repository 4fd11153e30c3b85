package dev.mmpeft.samples.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/**
 * What one in-process run of the CLI returned and printed ({@link #run}), and where the shared
 * fixtures are ({@link #shared}): the helpers every command test uses.
 */
record CliRunner(int code, String out, String err) {
    /** Runs {@code mmpeft ARGS...} in this JVM, capturing stdout and stderr. */
    static CliRunner run(String... args) {
        CommandLine cl = MmpeftCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRunner(code, out.toString(), err.toString());
    }

    /** Standard error, line by line. */
    List<String> errLines() {
        return err.lines().toList();
    }

    /**
     * {@code ../shared/<relative>}: under {@code -Dmmpeft.shared} (the parent build sets it), else
     * found from the folder the tests run in.
     *
     * @throws AssertionError naming the fixture when it is missing (a missing fixture fails, never skips)
     */
    static Path shared(String relative) {
        String configured = System.getProperty("mmpeft.shared");
        if (configured != null && Files.exists(Path.of(configured).resolve(relative))) {
            return Path.of(configured).resolve(relative);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared").resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("cannot find ../shared/" + relative + "; set -Dmmpeft.shared=PATH");
    }

    @Override
    public String toString() {
        return "exit " + code + "\nstdout: " + out + "\nstderr: " + err;
    }
}
