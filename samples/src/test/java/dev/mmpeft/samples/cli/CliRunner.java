package dev.mmpeft.samples.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs the CLI in-process and captures its exit code, stdout and stderr. Commands that stream
 * progress to {@code System.out} (quickstart, train, sweep: the trainer's console is a
 * {@code PrintStream}) are captured too: {@code System.out} is redirected during the run.
 */
final class CliRunner {
    final int code;
    final String out;
    final String err;

    private CliRunner(int code, String out, String err) {
        this.code = code;
        this.out = out;
        this.err = err;
    }

    static CliRunner run(String... args) {
        CommandLine cl = MmpeftCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        java.io.PrintStream originalOut = System.out;
        java.io.ByteArrayOutputStream console = new java.io.ByteArrayOutputStream();
        int code;
        try (java.io.PrintStream capture = new java.io.PrintStream(console, true, java.nio.charset.StandardCharsets.UTF_8)) {
            System.setOut(capture);
            code = cl.execute(args);
        } finally {
            System.setOut(originalOut);
        }
        return new CliRunner(code, console.toString(java.nio.charset.StandardCharsets.UTF_8) + out, err.toString());
    }

    @Override
    public String toString() {
        return "exit " + code + "\nstdout: " + out + "\nstderr: " + err;
    }
}
