package dev.mmpeft.samples.cli;

import static dev.mmpeft.samples.cli.CliRunner.run;
import static dev.mmpeft.samples.cli.CliRunner.shared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.safetensors.DType;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.core.safetensors.TensorData;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
    @Test
    void printsEveryTensorGroupedWithTheExactTotal() {
        CliRunner r = run("inspect", shared("checkpoints/stories260K").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        String out = r.out();
        assertTrue(out.contains("files: model.safetensors (1.1 MiB)"), out);
        assertTrue(out.contains("metadata:\n  format: pt\n  source: karpathy/tinyllamas"), out);
        assertTrue(out.contains("\nlm_head  (1 tensor, 32,768 parameters)\n"), out);
        assertTrue(out.contains("\nmodel  (47 tensors, 260,032 parameters)\n"), out);
        assertTrue(out.endsWith("\ntotal parameters: 292,800 in 48 tensors\n"), out);
        assertLine(out, "model.embed_tokens.weight", "F32", "[512, 64]", "32,768");
        assertLine(out, "model.layers.0.self_attn.q_proj.weight", "F32", "[64, 64]", "4,096");
        assertLine(out, "model.layers.4.self_attn.k_proj.weight", "F32", "[32, 64]", "2,048");
        assertLine(out, "model.layers.3.mlp.down_proj.weight", "F32", "[64, 172]", "11,008");
        assertLine(out, "model.norm.weight", "F32", "[64]", "64");
        // every tensor is listed, once
        assertEquals(48, out.lines().filter(l -> l.startsWith("  ") && l.contains(" F32 ")).count());
        assertTrue(out.indexOf("model.layers.1.input_layernorm") < out.indexOf("model.layers.2.input_layernorm"));
    }

    private static void assertLine(String out, String name, String dtype, String shape, String count) {
        Pattern line = Pattern.compile("(?m)^  " + Pattern.quote(name) + " +" + dtype + " +" + Pattern.quote(shape) + " +" + count + "$");
        assertTrue(line.matcher(out).find(), () -> "no line for " + name + " " + dtype + " " + shape + " " + count + " in\n" + out);
    }

    @Test
    void acceptsASingleFileAndShardedCheckpoints(@TempDir Path tmp) throws Exception {
        CliRunner bert = run("inspect", shared("checkpoints/tiny-bert-seqcls/model.safetensors").toString());
        assertEquals(0, bert.code(), bert.err());
        assertTrue(bert.out().contains("total parameters: 88,507 in 90 tensors"), bert.out());
        assertLine(bert.out(), "bert.embeddings.position_ids", "I64", "[1, 512]", "512");
        assertTrue(bert.out().contains("\nclassifier  (2 tensors, 66 parameters)\n"), bert.out());

        for (int s = 1; s <= 2; s++) {
            String shard = "model-0000" + s + "-of-00002.safetensors";
            SafetensorsWriter.writeData(tmp.resolve(shard), Map.of(
                    "encoder.block." + s + ".w", TensorData.of(DType.BF16, new long[] {2, 3}, ByteBuffer.allocate(12)),
                    "shared.weight." + s, TensorData.of(DType.F32, new long[] {}, ByteBuffer.allocate(4))));
        }
        Files.writeString(tmp.resolve("model.safetensors.index.json"), "{\"metadata\": {\"total_size\": 32}, \"weight_map\": {"
                + "\"encoder.block.1.w\": \"model-00001-of-00002.safetensors\", \"shared.weight.1\": \"model-00001-of-00002.safetensors\","
                + "\"encoder.block.2.w\": \"model-00002-of-00002.safetensors\", \"shared.weight.2\": \"model-00002-of-00002.safetensors\"}}");
        CliRunner sharded = run("inspect", tmp.toString());
        assertEquals(0, sharded.code(), sharded.err());
        assertTrue(sharded.out().contains("files: 2 shards"), sharded.out());
        assertTrue(sharded.out().contains("metadata:\n  total_size: 32\n"), sharded.out());
        assertLine(sharded.out(), "encoder.block.2.w", "BF16", "[2, 3]", "6");
        assertLine(sharded.out(), "shared.weight.1", "F32", "[]", "1");
        assertTrue(sharded.out().endsWith("total parameters: 14 in 4 tensors\n"), sharded.out());
    }

    @Test
    void badInputGivesOneLineAndExitCodeOne(@TempDir Path tmp) throws Exception {
        Path missing = tmp.resolve("no-such-model");
        CliRunner r = run("inspect", missing.toString());
        assertEquals(1, r.code());
        assertEquals(List.of("mmpeft inspect: " + missing + ": no such file or directory"), r.errLines());
        assertEquals("", r.out());

        Path corrupt = Files.createDirectory(tmp.resolve("corrupt"));
        Files.write(corrupt.resolve("model.safetensors"), "this is not a checkpoint at all".getBytes());
        CliRunner c = run("inspect", corrupt.toString());
        assertEquals(1, c.code());
        assertEquals(1, c.errLines().size(), c.err());
        assertTrue(c.err().startsWith("mmpeft inspect: " + corrupt.resolve("model.safetensors") + ": header length "), c.err());

        byte[] real = Files.readAllBytes(shared("checkpoints/stories260K/model.safetensors"));
        Path cut = tmp.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(real, real.length - 1000));
        CliRunner t = run("inspect", cut.toString());
        assertEquals(1, t.code());
        assertEquals(1, t.errLines().size(), t.err());
        assertTrue(t.err().startsWith("mmpeft inspect: " + cut + ": tensor 'model.") && t.err().contains("truncated file?"), t.err());
    }

    @Test
    void badFlagsGiveExitCodeTwo() {
        CliRunner none = run("inspect");
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("mmpeft inspect: Missing required parameter: 'PATH'"), none.err());
        CliRunner extra = run("inspect", "a", "b");
        assertEquals(2, extra.code());
    }

    @Test
    void configFilesAreRecognisedAsTheirOwnKind(@TempDir Path tmp) throws Exception {
        Path config = shared("checkpoints/stories260K/config.json");
        assertTrue(InspectCommand.isConfigFile(config));
        assertTrue(!InspectCommand.isConfigFile(shared("checkpoints/stories260K")));
        Path index = Files.writeString(tmp.resolve("model.safetensors.index.json"), "{}");
        assertTrue(!InspectCommand.isConfigFile(index));
    }

    @Test
    void namesSortNaturally() {
        List<String> names = new java.util.ArrayList<>(List.of("layers.10.w", "layers.2.w", "layers.1.w", "layers.02.b", "a", "layers.2"));
        names.sort(InspectCommand::compareNatural);
        assertEquals(List.of("a", "layers.1.w", "layers.2", "layers.02.b", "layers.2.w", "layers.10.w"), names);
    }
}
