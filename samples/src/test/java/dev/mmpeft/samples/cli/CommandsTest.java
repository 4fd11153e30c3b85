package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every registered command answers {@code --help}, the command list holds the commands users were
 * promised, and the commands without a test class of their own ({@code default-model}, the bad
 * values of {@code bench}) run and fail in one line.
 */
class CommandsTest {
    @Test
    void everyCommandHasHelpAndTheListIsComplete() {
        CommandLine cl = MmpeftCli.commandLine();
        Set<String> names = cl.getSubcommands().keySet();
        for (String promised : List.of("inspect", "forward", "generate", "train", "evaluate", "sweep", "merge", "quickstart",
                "dataset", "score", "bench", "default-model", "serve", "loadtest")) {
            assertTrue(names.contains(promised), "missing command " + promised + " in " + names);
        }
        for (String name : names) {
            if (name.equals("help")) {
                continue;
            }
            CliRunner r = CliRunner.run(name, "--help");
            assertEquals(0, r.code(), name + ": " + r);
            assertTrue(r.out().contains("Usage: mmpeft " + name), name + ": " + r.out());
        }
        CliRunner top = CliRunner.run("--help");
        assertEquals(0, top.code());
        for (String name : names) {
            assertTrue(top.out().contains("  " + name + " "), "top-level help lists " + name + ":\n" + top.out());
        }
    }

    @Test
    void defaultModelCommandBuildsALoadableModel(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("default");
        CliRunner r = CliRunner.run("default-model", "--output", out.toString(), "--train", "32", "--epochs", "1");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("wrote " + out.toAbsolutePath() + " (386,144 parameters;"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")) && Files.isRegularFile(out.resolve("README.md")));
    }

    @Test
    void defaultModelPackagedCopiesTheEmbeddedModelWithItsTaskCard(@TempDir Path tmp) throws Exception {
        System.setProperty("mmpeft.cache", tmp.resolve("cache").toString());
        Path out = tmp.resolve("tiny");
        CliRunner r = CliRunner.run("default-model", "--packaged", "--output", out.toString());
        assertEquals(0, r.code(), r.toString());
        Path embedded = dev.mmpeft.samples.quickstart.EmbeddedModels.resolve("embedded");
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "qformer_tokenizer/tokenizer.json",
                "mmpeft_task.json")) {
            assertEquals(-1L, Files.mismatch(embedded.resolve(f), out.resolve(f)), f);
        }
        assertEquals(embedded, dev.mmpeft.samples.quickstart.EmbeddedModels.resolve("embedded:flan-t5"));
        assertEquals(Path.of("some/dir"), dev.mmpeft.samples.quickstart.EmbeddedModels.resolve("some/dir"));
        assertEquals(2, CliRunner.run("default-model", "--packaged", "--epochs", "1", "--output", out.toString()).code());
    }

    @Test
    void badValuesGiveOneLineAndNonZeroExit(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        CliRunner output = CliRunner.run("default-model", "--output", file.resolve("model").toString(), "--train", "16", "--epochs", "1");
        assertEquals(1, output.code(), output.toString());
        assertEquals(1, output.errLines().size(), output.err());
        assertTrue(output.err().contains("a-file"), output.err());

        // a bad flag value: exit 2, one line plus the pointer to --help
        CliRunner family = CliRunner.run("default-model", "--output", tmp.resolve("m").toString(), "--families", "colour");
        assertEquals(2, family.code(), family.toString());
        assertEquals(2, family.errLines().size(), family.err());
        assertTrue(family.err().contains("--families: unknown question family 'colour'; expected color, shape"), family.err());

        // bench takes no files: an impossible value is a flag error (exit 2, one line and a pointer to --help)
        CliRunner rank = CliRunner.run("bench", "--rank", "0", "--steps", "1");
        assertEquals(2, rank.code(), rank.toString());
        assertTrue(rank.errLines().get(0).contains("--rank") && rank.errLines().size() == 2, rank.err());
    }
}
