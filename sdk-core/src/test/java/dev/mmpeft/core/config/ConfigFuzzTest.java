package dev.mmpeft.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.testing.FuzzCampaign;
import dev.mmpeft.core.testing.JsonMutations;
import dev.mmpeft.core.testing.SharedFiles;
import dev.mmpeft.core.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of mutated Hugging Face {@code config.json} files of every type mmpeft reads
 * (InstructBLIP with its vision, Q-Former and T5 or LLaMA text configs; T5, LLaMA and BERT on
 * their own): each read either gives a config that writes back and reads again to the same
 * value, or a {@link ConfigException} naming the file and the field the mutation touched.
 */
class ConfigFuzzTest {
    private static final long SEED = 7_2026_12L;
    private static final int CASES = 3000;

    @Test
    void mutatedConfigsOnlyEverRaiseConfigExceptionNamingFileAndField(@TempDir Path tmp) throws Exception {
        List<String> seeds = List.of(
                Files.readString(TestResources.hfConfig("instructblip-flan-t5-xl")),
                Files.readString(TestResources.hfConfig("instructblip-vicuna-7b")),
                Files.readString(SharedFiles.get("checkpoints/tiny-bert-seqcls/config.json")),
                Files.readString(SharedFiles.get("checkpoints/stories260K/config.json")),
                Json.write(T5Config.builder().dModel(64).dFf(128).numHeads(4).dKv(16).feedForwardProj("gated-gelu").build().toJson()));
        for (String seed : seeds) {
            Path f = tmp.resolve("seed.json");
            Files.writeString(f, seed);
            Configs.read(f); // every seed itself reads
        }
        Path dir = Files.createDirectories(tmp.resolve("model"));
        int[] counter = {0};
        FuzzCampaign.Result result = FuzzCampaign.of("config.json", SEED, CASES)
                .typed(ConfigException.class)
                .requireFieldNames()
                .run((random, m) -> {
                    String mutated = JsonMutations.mutate(seeds.get(random.nextInt(seeds.size())), random, m);
                    if (random.nextInt(4) == 0) {
                        // a second edit reaches checks that one edit alone cannot (two fields that must agree)
                        mutated = JsonMutations.mutate(mutated, random, m);
                        m.touched("");
                    }
                    m.input(mutated);
                    // a fresh file each time: truncating and rewriting one file makes ext4 flush it to disk
                    Files.deleteIfExists(dir.resolve("config-" + (counter[0] - 1) + ".json"));
                    Path file = dir.resolve("config-" + counter[0]++ + ".json");
                    Files.writeString(file, mutated);
                    m.mustName(file.toString());
                    return () -> {
                        ModelConfig read = Configs.read(file);
                        // what was accepted must survive the SDK's own writing (Configs.write, without its fsync) and reading
                        String written = Json.write(read.toJson());
                        assertEquals(read, Configs.parse(Json.parse(written, "copy"), "copy"), "config written back differs: " + written);
                    };
                });
        assertTrue(result.accepted() > CASES / 10, result.toString());
        assertTrue(result.rejected() > CASES / 4, result.toString());
    }

    /** What the fuzzing found, as fixed cases: each must stay a ConfigException naming file and field. */
    @Test
    void valuesTheFuzzingFoundAreRefusedWithTheirField(@TempDir Path tmp) throws Exception {
        String llama = "{\"model_type\":\"llama\",\"hidden_size\":64,\"num_attention_heads\":8,\"vocab_size\":32";
        String[][] cases = {
            // read as infinity, then written back by Configs.write as invalid JSON
            {llama + ",\"rms_norm_eps\":1e309}", "rms_norm_eps", "finite"},
            // read, then written back changed (a lone surrogate is no UTF-8)
            {llama + ",\"hidden_act\":\"si\\ud800lu\"}", "hidden_act", "lone surrogate"},
            // head_dim's default divided by zero (ArithmeticException) before the check ran
            {"{\"model_type\":\"llama\",\"num_attention_heads\":0}", "num_attention_heads", "> 0"},
            {llama + ",\"intermediate_size\":-172}", "intermediate_size", "> 0"},
            {"{\"model_type\":\"t5\",\"dropout_rate\":1.5}", "dropout_rate", "[0, 1]"},
            {"{\"model_type\":\"t5\",\"d_kv\":2147483647,\"num_heads\":4}", "d_kv", "too large"},
            {"{\"model_type\":\"bert\",\"type_vocab_size\":0}", "type_vocab_size", "> 0"},
            {"{\"model_type\":\"instructblip\",\"vision_config\":{\"image_size\":-224,\"patch_size\":14},"
                    + "\"text_config\":{\"model_type\":\"t5\"}}", "image_size", "> 0"},
        };
        for (String[] c : cases) {
            Path file = tmp.resolve("config-" + c[1] + ".json");
            Files.writeString(file, c[0]);
            ConfigException e = assertThrows(ConfigException.class, () -> Configs.read(file), c[0]);
            for (String part : new String[] {file.toString(), c[1], c[2]}) {
                assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
            }
        }
    }
}
