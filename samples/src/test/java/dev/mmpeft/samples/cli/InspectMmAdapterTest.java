package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./mmpeft inspect --method mm-adapter CONFIG}: LaVIN's Table 1 counts (3.8M for LLaMA-7B,
 * 5.4M for 13B, with CLIP ViT-L/14) from the config alone, and the structural counts of a lavin
 * config through the family registry.
 */
class InspectMmAdapterTest {
    private static Path config(String name) {
        Path p = Path.of("..", "sdk-core", "src", "test", "resources", "hf-configs", name, "config.json");
        assertTrue(Files.isRegularFile(p), "missing test resource " + p.toAbsolutePath());
        return p;
    }

    private static long trainable(String out, String part) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(part) + "\\s+\\S+\\s+\\d+\\s+([\\d,]+)$").matcher(out);
        assertTrue(m.find(), part + " not printed in:\n" + out);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    @Test
    void lavin7bAnd13bMatchTable1() {
        CliRunner r = CliRunner.run("inspect", "--method", "mm-adapter", config("lavin-7b").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("trainable params: 3,781,296 "), r.out());
        // 24 CLIP blocks x (down 1024x8 + 8, two grouped ups 2 x (1024x4 + 1024), router 1024x2 + 2); see MmAdapterCountsTest for the formula
        assertEquals(491_760L, trainable(r.out(), "VISION_ATTN"));
        assertEquals(2_621_760L, trainable(r.out(), "LLM_ATTN"));
        assertEquals(8_192L, trainable(r.out(), "MODALITY_EMBEDDING"));
        assertEquals(659_584L, trainable(r.out(), "LANGUAGE_PROJECTION"));

        CliRunner big = CliRunner.run("inspect", "--method", "mm-adapter", config("lavin-13b").toString());
        assertEquals(0, big.code(), big.toString());
        assertTrue(big.out().contains("trainable params: 5,390,080 "), big.out());
        assertEquals(4_096_400L, trainable(big.out(), "LLM_ATTN"));
        assertEquals(791_680L, trainable(big.out(), "LANGUAGE_PROJECTION"));
    }

    @Test
    void structuralCountsOfALavinConfigComeFromTheRegistry() {
        CliRunner r = CliRunner.run("inspect", config("lavin-7b").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("total parameters: 7,042,263,168"), r.out());
    }

    @Test
    void loraCountsOnLavinAndLlavaConfigs() {
        // LoRA r = 8 on q_proj, v_proj of 32 LLaMA-7B layers: 32 x 2 x 8 x (4096 + 4096); the connector in full
        CliRunner r = CliRunner.run("inspect", "--lora-rank", "8", "--target", "LLM_ATTN", "--train", "connector",
                config("lavin-7b").toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(4_194_304L, trainable(r.out(), "LLM_ATTN"));
        assertEquals(659_584L, trainable(r.out(), "LANGUAGE_PROJECTION"));
        CliRunner llava = CliRunner.run("inspect", "--lora-rank", "8", "--target", "LLM_ATTN", config("llava-1.5-7b-hf").toString());
        assertEquals(0, llava.code(), llava.toString());
        assertEquals(4_194_304L, trainable(llava.out(), "LLM_ATTN"));
        // the method column is as wide as "mm-adapter", so the table stays aligned
        CliRunner mm = CliRunner.run("inspect", "--method", "mm-adapter", config("lavin-7b").toString());
        assertTrue(mm.out().contains("part                   method      tensors"), mm.out());
    }

    @Test
    void unknownMethodAndMissingFieldAreNamed(@TempDir Path tmp) throws Exception {
        CliRunner r = CliRunner.run("inspect", "--method", "prompt", config("lavin-7b").toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--method 'prompt'"), r.err());

        Path bad = tmp.resolve("config.json");
        Files.writeString(bad, Files.readString(config("lavin-7b")).replace("\"text_config\"", "\"txt_config\""));
        CliRunner b = CliRunner.run("inspect", "--method", "mm-adapter", bad.toString());
        assertEquals(1, b.code(), b.toString());
        assertTrue(b.err().contains(bad.toString()) && b.err().contains("text_config"), b.err());
    }
}
