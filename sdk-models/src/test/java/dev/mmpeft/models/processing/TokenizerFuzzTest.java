package dev.mmpeft.models.processing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.testing.ByteMutations;
import dev.mmpeft.core.testing.FuzzCampaign;
import dev.mmpeft.core.testing.JsonMutations;
import dev.mmpeft.core.testing.SharedFiles;
import dev.mmpeft.models.instructblip.testing.TinyTokenizers;
import dev.mmpeft.models.llama.Llama2cVocabulary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of mutated tokenizer files: {@code tokenizer.json} (word-level T5 and LLaMA
 * tokenizers as the SDK writes them, and the real tiny BERT WordPiece one, with its special
 * tokens), {@code tokenizer_config.json} (the pad token) and llama2.c's binary vocabulary. Each is
 * loaded and used (encode, truncate, decode, look up special tokens); the only error allowed out
 * is a {@link TokenizerException} naming the file.
 */
class TokenizerFuzzTest {
    private static final long SEED = 2026_1205L;
    private static final String TEXT = "What is in the image? A red circle, \u00e9t\u00e9 \ud83d\ude00 <image> [SEP] </s>";

    /** The seed tokenizer folders: T5 and LLaMA word-level (with {@code <image>}) and the tiny BERT. */
    private static List<Path> seeds(Path tmp) throws Exception {
        Path t5 = tmp.resolve("seed-t5");
        TinyTokenizers.writeT5(t5, false);
        Path llama = tmp.resolve("seed-llama");
        TinyTokenizers.writeLlama(llama, true);
        Path bert = tmp.resolve("seed-bert");
        TinyTokenizers.writeQFormer(bert, SharedFiles.get("checkpoints/tiny-bert-seqcls"));
        return List.of(t5, llama, bert);
    }

    private static void use(Path dir, OptionalInt fallbackPad) {
        try (TextTokenizer t = TextTokenizer.load(dir, fallbackPad)) {
            long[] ids = t.encode(TEXT);
            t.encodePlain(TEXT);
            t.encode("a lone surrogate \ud800 in the text");
            t.encode(TEXT, 5, TextTokenizer.Side.LEFT);
            t.encode(TEXT, 3, TextTokenizer.Side.RIGHT);
            t.decode(ids, true);
            t.decode(ids, false);
            t.tokenId("<image>");
            t.padId();
        }
    }

    @Test
    void mutatedTokenizerJsonOnlyEverRaisesTokenizerExceptionNamingTheFile(@TempDir Path tmp) throws Exception {
        List<Path> seeds = seeds(tmp);
        List<String> texts = seeds.stream().map(d -> read(d.resolve("tokenizer.json"))).toList();
        int[] counter = {0};
        FuzzCampaign.Result r = FuzzCampaign.of("tokenizer.json", SEED, 1500)
                .typed(TokenizerException.class)
                .run((random, m) -> {
                    int which = random.nextInt(seeds.size());
                    String mutated = JsonMutations.mutate(texts.get(which), random, m);
                    Path dir = Files.createDirectories(tmp.resolve("case-" + counter[0]++));
                    Files.copy(seeds.get(which).resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
                    Files.write(dir.resolve("tokenizer.json"), mutated.getBytes(StandardCharsets.UTF_8));
                    m.mustName(dir.resolve("tokenizer.json").toString());
                    OptionalInt pad = random.nextBoolean() ? OptionalInt.of(0) : OptionalInt.empty();
                    return () -> use(dir, pad);
                });
        assertTrue(r.accepted() > 100 && r.rejected() > 100, r.toString());
    }

    @Test
    void mutatedTokenizerConfigOnlyEverRaisesTokenizerExceptionNamingTheFile(@TempDir Path tmp) throws Exception {
        List<Path> seeds = seeds(tmp);
        int[] counter = {0};
        FuzzCampaign.Result r = FuzzCampaign.of("tokenizer_config.json", SEED + 1, 600)
                .typed(TokenizerException.class)
                .requireFieldNames()
                .run((random, m) -> {
                    Path seed = seeds.get(random.nextInt(seeds.size()));
                    String mutated = JsonMutations.mutate(read(seed.resolve("tokenizer_config.json")), random, m);
                    m.input(mutated);
                    Path dir = Files.createDirectories(tmp.resolve("case-" + counter[0]++));
                    Files.copy(seed.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
                    Files.write(dir.resolve("tokenizer_config.json"), mutated.getBytes(StandardCharsets.UTF_8));
                    m.mustName(dir.resolve("tokenizer_config.json").toString());
                    return () -> use(dir, OptionalInt.empty());
                });
        assertTrue(r.accepted() > 50 && r.rejected() > 50, r.toString());
    }

    @Test
    void mutatedLlama2cVocabulariesOnlyEverRaiseTokenizerExceptionNamingTheFile(@TempDir Path tmp) throws Exception {
        byte[] seed = Files.readAllBytes(SharedFiles.get("checkpoints/stories260K/tok512.bin"));
        int[] counter = {0};
        FuzzCampaign.Result r = FuzzCampaign.of("llama2.c tokenizer.bin", SEED + 2, 2000)
                .typed(TokenizerException.class)
                .run((random, m) -> {
                    byte[] mutated = random.nextInt(4) == 0 ? seed : ByteMutations.mutate(seed, random, m);
                    if (mutated != seed && random.nextInt(3) == 0) {
                        // the pieces' length fields: every 4 bytes one could be, so aim at them
                        mutated = ByteMutations.overwriteInt(seed, 4 * random.nextInt(seed.length / 4), random, m);
                    }
                    int[] sizes = {512, 512, 512, 0, 1, 511, 513, -1, Integer.MAX_VALUE, Integer.MIN_VALUE};
                    int size = sizes[random.nextInt(sizes.length)];
                    m.describe("vocabulary size " + size);
                    Files.deleteIfExists(tmp.resolve("tok-" + (counter[0] - 1) + ".bin"));
                    Path file = tmp.resolve("tok-" + counter[0]++ + ".bin");
                    Files.write(file, mutated);
                    m.mustName(file.toString());
                    return () -> {
                        Llama2cVocabulary v = Llama2cVocabulary.read(file, size);
                        int[] ids = new int[v.size()];
                        for (int i = 0; i < ids.length; i++) {
                            ids[i] = i;
                            v.piece(i);
                            v.score(i);
                        }
                        v.decode(ids);
                    };
                });
        assertTrue(r.accepted() > 100 && r.rejected() > 100, r.toString());
    }

    /**
     * What the fuzzing found, as fixed cases. The first two aborted the JVM (a panic in the native
     * library), the third kept it busy for minutes: each must stay a quick TokenizerException
     * naming the file and the field.
     */
    @Test
    void filesTheFuzzingFoundAreRefusedWithTheirField(@TempDir Path tmp) throws Exception {
        Path seed = tmp.resolve("seed");
        TinyTokenizers.writeT5(seed, false);
        String json = read(seed.resolve("tokenizer.json"));
        String[][] cases = {
            {json.replaceFirst("\"id\" : \"</s>\"", "\"id\" : \"../</s>\""), "post_processor.single[1]", "does not define"},
            {json.replaceFirst("\"prefix\" : \"##\"", "\"prefix\" : \"\\\\ud800\""), "decoder.prefix", "lone surrogate"},
            {json.replaceFirst("\"content\" : \"<unk>\"", "\"content\" : \"" + "x".repeat(20_000) + "\""),
                "added_tokens[2].content", "at most 512"},
        };
        for (int i = 0; i < cases.length; i++) {
            assertTrue(!cases[i][0].equals(json), "case " + i + " changed nothing");
            Path dir = Files.createDirectories(tmp.resolve("case-" + i));
            Files.writeString(dir.resolve("tokenizer.json"), cases[i][0]);
            TokenizerException e = assertThrows(TokenizerException.class, () -> use(dir, OptionalInt.of(0)));
            for (String part : new String[] {dir.resolve("tokenizer.json").toString(), cases[i][1], cases[i][2]}) {
                assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
            }
        }
        Files.writeString(seed.resolve("tokenizer_config.json"), "{\"pad_token\": 5}");
        TokenizerException e = assertThrows(TokenizerException.class, () -> use(seed, OptionalInt.empty()));
        assertTrue(e.getMessage().contains("tokenizer_config.json: field 'pad_token'"), e.getMessage());
        Path bin = SharedFiles.get("checkpoints/stories260K/tok512.bin");
        for (int size : new int[] {-1, Integer.MAX_VALUE}) {
            // allocated before the file was looked at: NegativeArraySizeException, OutOfMemoryError
            TokenizerException v = assertThrows(TokenizerException.class, () -> Llama2cVocabulary.read(bin, size));
            assertTrue(v.getMessage().contains("tok512.bin: cannot hold " + size + " tokens"), v.getMessage());
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
