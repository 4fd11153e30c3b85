package dev.mmpeft.models.instructblip.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Real Hugging Face {@code tokenizer.json} files for tiny test models: a word-level vocabulary
 * with the post-processor of each family (T5 appends {@code </s>}; LLaMA prepends {@code <s>}),
 * plus the tiny BERT WordPiece tokenizer from ../shared as the Q-Former's.
 */
public final class TinyTokenizers {
    /** The words of the tiny vocabularies, after the special tokens. */
    public static final List<String> WORDS = List.of(
            "what", "is", "in", "the", "image", "?", "a", "cat", "dog", "red", "blue", "green", "answer", "question",
            "yes", "no", "one", "two", "three", "of", "color", "shape", "circle", "square", "triangle", "which", "it",
            "this", "picture", "shows", ".", ",", ":", "(", ")", "b", "c", "d", "options", "context", "describe");

    private TinyTokenizers() {}

    /**
     * A T5-style tokenizer: {@code <pad>}=0, {@code </s>}=1, {@code <unk>}=2, then {@link #WORDS};
     * {@code <image>} is the last id when {@code withImageToken}.
     */
    public static int writeT5(Path dir, boolean withImageToken) throws IOException {
        List<String> specials = List.of("<pad>", "</s>", "<unk>");
        return write(dir, specials, "<unk>", withImageToken, false, "</s>", "<pad>");
    }

    /**
     * A LLaMA-style tokenizer: {@code <unk>}=0, {@code <s>}=1, {@code </s>}=2, then {@link #WORDS},
     * then {@code <pad>}; {@code <image>} after it when {@code withImageToken}.
     */
    public static int writeLlama(Path dir, boolean withImageToken) throws IOException {
        List<String> specials = List.of("<unk>", "<s>", "</s>");
        return write(dir, specials, "<unk>", withImageToken, true, "<s>", "<pad>");
    }

    /** Size of the vocabulary written (ids 0..size-1). */
    private static int write(Path dir, List<String> specials, String unk, boolean image, boolean bosFirst, String template, String pad)
            throws IOException {
        Files.createDirectories(dir);
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode vocab = Json.mapper().createObjectNode();
        int id = 0;
        for (String s : specials) {
            addSpecial(added, s, id);
            vocab.put(s, id++);
        }
        for (String w : WORDS) {
            vocab.put(w, id++);
        }
        if (bosFirst) {
            addSpecial(added, pad, id);
            vocab.put(pad, id++);
        }
        if (image) {
            addSpecial(added, "<image>", id);
            vocab.put("<image>", id++);
        }
        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "Lowercase");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Whitespace");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        ArrayNode pair = post.putArray("pair");
        if (bosFirst) {
            single.addObject().putObject("SpecialToken").put("id", template).put("type_id", 0);
            single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            pair.addObject().putObject("SpecialToken").put("id", template).put("type_id", 0);
            pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        } else {
            single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            single.addObject().putObject("SpecialToken").put("id", template).put("type_id", 0);
            pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            pair.addObject().putObject("SpecialToken").put("id", template).put("type_id", 0);
            pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
            pair.addObject().putObject("SpecialToken").put("id", template).put("type_id", 1);
        }
        ObjectNode st = post.putObject("special_tokens").putObject(template);
        st.put("id", template);
        st.putArray("ids").add(vocab.get(template).intValue());
        st.putArray("tokens").add(template);
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "WordPiece");
        decoder.put("prefix", "##");
        decoder.put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        model.set("vocab", vocab);
        model.put("unk_token", unk);
        Files.writeString(dir.resolve("tokenizer.json"), Json.write(root));
        ObjectNode cfg = Json.mapper().createObjectNode();
        cfg.put("pad_token", pad);
        cfg.put("eos_token", bosFirst ? "</s>" : "</s>");
        if (bosFirst) {
            cfg.put("bos_token", "<s>");
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), Json.write(cfg));
        return id;
    }

    private static void addSpecial(ArrayNode added, String content, int id) {
        ObjectNode t = added.addObject();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", true);
    }

    /** Copies the tiny BERT WordPiece tokenizer (vocabulary 1124) into {@code dir} as the Q-Former's. */
    public static void writeQFormer(Path dir, Path tinyBertDir) throws IOException {
        Files.createDirectories(dir);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")) {
            Files.copy(tinyBertDir.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
