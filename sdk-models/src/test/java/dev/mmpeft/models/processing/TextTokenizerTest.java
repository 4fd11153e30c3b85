package dev.mmpeft.models.processing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.testing.SharedFiles;
import dev.mmpeft.models.instructblip.testing.TinyTokenizers;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {
    @Test
    void t5TemplateTruncationAndPadding(@TempDir Path tmp) throws Exception {
        TinyTokenizers.writeT5(tmp, false);
        try (TextTokenizer t = TextTokenizer.load(tmp, OptionalInt.empty())) {
            // "what"=3 "is"=4 "in"=5 "the"=6 "image"=7 "?"=8, then </s>=1
            assertArrayEquals(new long[] {3, 4, 5, 6, 7, 8, 1}, t.encode("What is in the image?"));
            assertArrayEquals(new long[0], t.prefixIds());
            assertArrayEquals(new long[] {1}, t.suffixIds());
            // right truncation keeps the EOS, as transformers truncates before adding special tokens
            assertArrayEquals(new long[] {3, 4, 5, 1}, t.encode("What is in the image?", 4, TextTokenizer.Side.RIGHT));
            assertArrayEquals(new long[] {6, 7, 8, 1}, t.encode("What is in the image?", 4, TextTokenizer.Side.LEFT));
            assertEquals(OptionalInt.of(0), t.padId()); // from tokenizer_config.json's pad_token
            Padded p = Padded.of(List.of(t.encode("a cat"), t.encode("what is it ?")), t.requirePadId(), TextTokenizer.Side.RIGHT);
            assertArrayEquals(new long[] {9, 10, 1, 0, 0}, p.ids()[0]);
            assertArrayEquals(new long[] {1, 1, 1, 0, 0}, p.mask()[0]);
            assertArrayEquals(new long[] {1, 1, 1, 1, 1}, p.mask()[1]);
            assertEquals("a cat", t.decode(t.encode("a cat"), true));
        }
    }

    @Test
    void llamaTemplateLeftPaddingAndLeftTruncation(@TempDir Path tmp) throws Exception {
        int size = TinyTokenizers.writeLlama(tmp, true);
        try (TextTokenizer t = TextTokenizer.load(tmp, OptionalInt.empty())) {
            assertArrayEquals(new long[] {1, 3, 4}, t.encode("what is"));
            assertArrayEquals(new long[] {1}, t.prefixIds());
            assertArrayEquals(new long[] {1, 5, 6, 7}, t.encode("what is in the image", 4, TextTokenizer.Side.LEFT));
            int pad = size - 2;
            assertEquals(OptionalInt.of(pad), t.padId());
            assertEquals(size - 1, t.tokenId("<image>").orElseThrow());
            Padded p = Padded.of(List.of(t.encode("a"), t.encode("what is it")), pad, TextTokenizer.Side.LEFT);
            assertArrayEquals(new long[] {pad, pad, 1, 9}, p.ids()[0]);
            assertArrayEquals(new long[] {0, 0, 1, 1}, p.mask()[0]);
        }
    }

    @Test
    void qformerBertTokenizerAndErrors(@TempDir Path tmp) throws Exception {
        Path bert = SharedFiles.get("checkpoints/tiny-bert-seqcls");
        try (TextTokenizer t = TextTokenizer.load(bert, OptionalInt.of(0))) {
            assertArrayEquals(new long[] {2}, t.prefixIds());
            assertArrayEquals(new long[] {3}, t.suffixIds());
            long[] ids = t.encode("The quick brown fox jumps over the lazy dog.", 6, TextTokenizer.Side.RIGHT);
            assertArrayEquals(new long[] {2, 62, 807, 795, 59, 3}, ids);
            assertEquals(OptionalInt.of(0), t.padId());
        }
        MmpeftException e = assertThrows(MmpeftException.class, () -> TextTokenizer.load(tmp.resolve("none"), OptionalInt.empty()));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }
}
