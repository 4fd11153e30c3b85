package dev.mmpeft.models.processing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.base.Preconditions;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Writes a real Hugging Face {@code tokenizer.json} (+ {@code tokenizer_config.json}) for a small
 * word-level vocabulary, with the special tokens and post-processor of a language-model family, so
 * that tiny models the project generates (tests, the embedded default) have tokenizers any HF
 * tokenizer library loads.
 *
 * <p>Layout: T5 family {@code <pad>}=0, {@code </s>}=1, {@code <unk>}=2, then the words, {@code </s>}
 * appended to every text; LLaMA family {@code <unk>}=0, {@code <s>}=1, {@code </s>}=2, then the
 * words, then {@code <pad>}, {@code <s>} prepended; BERT family (the Q-Former's) {@code [PAD]}=0,
 * {@code [UNK]}=1, {@code [CLS]}=2, {@code [SEP]}=3, {@code [MASK]}=4, then the words, texts
 * wrapped in {@code [CLS] ... [SEP]}. {@code <image>} comes last when asked for.
 * Texts are lower-cased and split on whitespace and punctuation.
 */
public final class WordLevelTokenizer {
    /** Which special tokens and template to write. */
    public enum Family {
        T5,
        LLAMA,
        BERT
    }

    private WordLevelTokenizer() {}

    /**
     * Writes the two files into {@code dir} (atomically each) and returns the vocabulary size.
     *
     * @param words distinct words, without special tokens
     */
    public static int write(Path dir, List<String> words, Family family, boolean imageToken) throws IOException {
        Preconditions.checkArgument(new LinkedHashSet<>(words).size() == words.size(), "words must be distinct");
        Files.createDirectories(dir);
        boolean llama = family == Family.LLAMA;
        boolean bert = family == Family.BERT;
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode vocab = Json.mapper().createObjectNode();
        int id = 0;
        List<String> specials = llama
                ? List.of("<unk>", "<s>", "</s>")
                : bert ? List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]") : List.of("<pad>", "</s>", "<unk>");
        for (String s : specials) {
            special(added, s, id);
            vocab.put(s, id++);
        }
        for (String w : words) {
            vocab.put(w, id++);
        }
        if (llama) {
            special(added, "<pad>", id);
            vocab.put("<pad>", id++);
        }
        if (imageToken) {
            special(added, "<image>", id);
            vocab.put("<image>", id++);
        }
        root.putObject("normalizer").put("type", "Lowercase");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        postProcessor(root.putObject("post_processor"), family, vocab);
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "WordPiece");
        decoder.put("prefix", "##");
        decoder.put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        model.set("vocab", vocab);
        model.put("unk_token", bert ? "[UNK]" : "<unk>");
        AtomicFiles.writeString(dir.resolve("tokenizer.json"), Json.write(root));
        ObjectNode cfg = tokenizerConfig(family);
        AtomicFiles.writeString(dir.resolve("tokenizer_config.json"), Json.write(cfg));
        return id;
    }

    /** The template post-processor: BERT's [CLS] A [SEP], LLaMA's <s> A, T5's A </s>. */
    private static void postProcessor(ObjectNode post, Family family, ObjectNode vocab) {
        boolean llama = family == Family.LLAMA;
        boolean bert = family == Family.BERT;
        post.put("type", "TemplateProcessing");
        String marker = llama ? "<s>" : bert ? "[SEP]" : "</s>";
        ArrayNode single = post.putArray("single");
        ArrayNode pair = post.putArray("pair");
        if (bert) {
            token(single, "[CLS]", 0);
            sequence(single, "A", 0);
            token(single, "[SEP]", 0);
            token(pair, "[CLS]", 0);
            sequence(pair, "A", 0);
            token(pair, "[SEP]", 0);
            sequence(pair, "B", 1);
            token(pair, "[SEP]", 1);
            ObjectNode cls = post.putObject("special_tokens").putObject("[CLS]");
            cls.put("id", "[CLS]");
            cls.putArray("ids").add(2);
            cls.putArray("tokens").add("[CLS]");
        } else if (llama) {
            token(single, marker, 0);
            sequence(single, "A", 0);
            token(pair, marker, 0);
            sequence(pair, "A", 0);
            sequence(pair, "B", 1);
        } else {
            sequence(single, "A", 0);
            token(single, marker, 0);
            sequence(pair, "A", 0);
            token(pair, marker, 0);
            sequence(pair, "B", 1);
            token(pair, marker, 1);
        }
        ObjectNode st = (post.has("special_tokens") ? (ObjectNode) post.get("special_tokens") : post.putObject("special_tokens")).putObject(marker);
        st.put("id", marker);
        st.putArray("ids").add(vocab.get(marker).intValue());
        st.putArray("tokens").add(marker);
    }

    /** {@code tokenizer_config.json}: the family's special tokens. */
    private static ObjectNode tokenizerConfig(Family family) {
        boolean llama = family == Family.LLAMA;
        boolean bert = family == Family.BERT;
        ObjectNode cfg = Json.mapper().createObjectNode();
        if (bert) {
            cfg.put("pad_token", "[PAD]");
            cfg.put("unk_token", "[UNK]");
            cfg.put("cls_token", "[CLS]");
            cfg.put("sep_token", "[SEP]");
            cfg.put("mask_token", "[MASK]");
        } else {
            cfg.put("pad_token", "<pad>");
            cfg.put("eos_token", "</s>");
            cfg.put("unk_token", "<unk>");
            if (llama) {
                cfg.put("bos_token", "<s>");
            }
        }
        return cfg;
    }

    private static void special(ArrayNode added, String content, int id) {
        ObjectNode t = added.addObject();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", true);
    }

    private static void token(ArrayNode a, String id, int type) {
        a.addObject().putObject("SpecialToken").put("id", id).put("type_id", type);
    }

    private static void sequence(ArrayNode a, String id, int type) {
        a.addObject().putObject("Sequence").put("id", id).put("type_id", type);
    }
}
