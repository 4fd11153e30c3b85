package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./mmpeft inspect} on a lone config.json: structural counts per part, instantly. */
class InspectConfigTest {
    /** sdk-core's test resource written from the hub config of Salesforce/instructblip-flan-t5-xl. */
    static Path flanT5Xl() {
        Path p = Path.of("..", "sdk-core", "src", "test", "resources", "hf-configs", "instructblip-flan-t5-xl", "config.json");
        assertTrue(Files.isRegularFile(p), "missing test resource " + p.toAbsolutePath());
        return p;
    }

    private static long count(String out, String part) {
        Matcher m = Pattern.compile("(?m)^  " + Pattern.quote(part) + "\\s+([\\d,]+)$").matcher(out);
        assertTrue(m.find(), part + " not printed in:\n" + out);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    @Test
    void printsThePerPartCountsOfTheHubConfig(@TempDir Path tmp) throws Exception {
        long start = System.nanoTime();
        CliRunner r = CliRunner.run("inspect", flanT5Xl().toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, r.code(), r.toString());
        assertEquals(985_952_256L, count(r.out(), "vision_model"));
        assertEquals(185_660_160L, count(r.out(), "qformer"));
        assertEquals(1_574_912L, count(r.out(), "language_projection"));
        assertEquals(24_576L, count(r.out(), "query_tokens"));
        assertEquals(2_849_757_184L, count(r.out(), "language_model"));
        assertEquals(4_022_969_088L, count(r.out(), "total"));
        assertTrue(r.out().contains("total parameters: 4,022,969,088"), r.out());
        assertTrue(seconds < 10, "took " + seconds + " s");

        // a directory with only a config.json is inspected the same way
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        Files.copy(flanT5Xl(), dir.resolve("config.json"));
        CliRunner d = CliRunner.run("inspect", dir.toString());
        assertEquals(0, d.code(), d.toString());
        assertEquals(4_022_969_088L, count(d.out(), "total"));
    }

    @Test
    void vicunaAndBareLanguageModelConfigs() throws Exception {
        Path vicuna = Path.of("..", "sdk-core", "src", "test", "resources", "hf-configs", "instructblip-vicuna-7b", "config.json");
        CliRunner r = CliRunner.run("inspect", vicuna.toString());
        assertEquals(0, r.code(), r.toString());
        // the vision encoder, Q-Former and queries are the same as Flan-T5-XL's; the LLM is LLaMA-7B with 32,001 tokens
        assertEquals(985_952_256L, count(r.out(), "vision_model"));
        assertEquals(185_660_160L, count(r.out(), "qformer"));
        assertEquals(768L * 4096 + 4096, count(r.out(), "language_projection"));
        long llama7b = 2L * 32_001 * 4096 + 32L * (4L * 4096 * 4096 + 3L * 4096 * 11008 + 2 * 4096) + 4096;
        assertEquals(llama7b, count(r.out(), "language_model"));

        Path stories = CliRunner.shared("checkpoints/stories260K").resolve("config.json");
        r = CliRunner.run("inspect", stories.toString());
        assertEquals(0, r.code(), r.toString());
        // embed 512 x 64 (tied head counted once) + 5 layers x (q, o 64x64; k, v 32x64; 3 MLP 64x172; 2 norms) + norm
        long layer = 2L * 64 * 64 + 2L * 32 * 64 + 3L * 64 * 172 + 2 * 64;
        assertEquals(512L * 64 + 5 * layer + 64, count(r.out(), "total"), "stories260K: tied embeddings counted once");
    }

    @Test
    void badConfigGivesOneLine(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("config.json");
        Files.writeString(bad, "{\"model_type\": \"instructblip\", \"text_config\": {\"model_type\": \"gpt2\"}}");
        CliRunner r = CliRunner.run("inspect", bad.toString());
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("gpt2"), r.err());
    }
}
