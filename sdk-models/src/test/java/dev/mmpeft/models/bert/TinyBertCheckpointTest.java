package dev.mmpeft.models.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.config.BertConfig;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.testing.SharedFiles;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.Weights;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Q-Former's BERT layers against a real BERT checkpoint with a published output
 * (caikit-nlp's tiny {@code BertForSequenceClassification}, see checkpoints/README.md).
 */
class TinyBertCheckpointTest {
    private static final String SENTENCE = "The quick brown fox jumps over the lazy dog.";
    private static final long[] EXPECTED_IDS = {
        2, 62, 807, 795, 59, 792, 801, 797, 811, 44, 799, 793, 806, 800, 48, 793, 818, 52, 792, 802, 810, 796, 57,
        813, 795, 799, 62, 807, 795, 54, 798, 815, 803, 46, 793, 809, 18, 3
    };

    @Test
    void tokenizerGivesThePublishedIds() throws Exception {
        Path dir = SharedFiles.get("checkpoints/tiny-bert-seqcls");
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"), Map.of("padding", "false"))) {
            Encoding e = tok.encode(SENTENCE);
            assertArrayEquals(EXPECTED_IDS, e.getIds());
        }
    }

    @Test
    void paddedTo512GivesThePublishedSoftmax() throws Exception {
        Path dir = SharedFiles.get("checkpoints/tiny-bert-seqcls");
        BertConfig config = Configs.read(dir, BertConfig.class);
        BertModel bert = new BertModel(config);
        Linear pooler = new Linear(config.hiddenSize(), config.hiddenSize(), true);
        Linear classifier = new Linear(config.hiddenSize(), config.numLabels(), true);
        try (NDManager manager = NDManager.newBaseManager();
                Checkpoint ckpt = Checkpoint.open(dir);
                HuggingFaceTokenizer tok = HuggingFaceTokenizer.builder()
                        .optTokenizerPath(dir.resolve("tokenizer.json"))
                        .optPadToMaxLength()
                        .optMaxLength(512)
                        .build()) {
            // the pooler and classifier are the test's own head; the checkpoint's position_ids buffer is no parameter
            Weights.load(bert, ckpt, "bert.", manager,
                    Set.of("bert.embeddings.position_ids", "bert.pooler.dense.weight", "bert.pooler.dense.bias"));
            Weights.load(pooler, ckpt, "bert.pooler.dense.", manager, Set.of());
            Weights.load(classifier, ckpt, "classifier.", manager, Set.of());

            Encoding enc = tok.encode(SENTENCE);
            assertEquals(512, enc.getIds().length);
            assertArrayEquals(EXPECTED_IDS, Arrays.copyOf(enc.getIds(), EXPECTED_IDS.length));
            assertEquals(EXPECTED_IDS.length, Arrays.stream(enc.getAttentionMask()).sum());

            try (NDManager batch = manager.newSubManager()) {
                NDArray ids = batch.create(enc.getIds(), new Shape(1, 512));
                NDArray mask = batch.create(enc.getAttentionMask(), new Shape(1, 512));
                NDArray hidden = bert.forward(ids, mask, batch.zeros(new Shape(1, 512), ai.djl.ndarray.types.DataType.INT64));
                NDArray first = hidden.get(new NDIndex(":, 0, :"));
                NDArray logits = classifier.forward(pooler.forward(first).tanh());
                float[] probs = logits.softmax(-1).toFloatArray();
                float[] raw = logits.toFloatArray();
                assertEquals(0.49526197, probs[0], 1e-6);
                assertEquals(0.50473803, probs[1], 1e-6);
                assertEquals(-0.0156917, raw[0], 1e-6);
                assertEquals(0.0032610, raw[1], 1e-6);
            }
        }
    }

    @Test
    void structureNamesEveryCheckpointTensor() throws Exception {
        Path dir = SharedFiles.get("checkpoints/tiny-bert-seqcls");
        BertModel bert = new BertModel(Configs.read(dir, BertConfig.class));
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            long inCheckpoint = ckpt.names().stream()
                    .filter(n -> n.startsWith("bert.") && !n.startsWith("bert.pooler.") && !n.endsWith("position_ids"))
                    .count();
            assertEquals(inCheckpoint, bert.namedParameters().size());
            assertEquals(
                    ckpt.names().stream()
                            .filter(n -> n.startsWith("bert.") && !n.startsWith("bert.pooler.") && !n.endsWith("position_ids"))
                            .mapToLong(n -> ckpt.info(n).elementCount())
                            .sum(),
                    bert.parameterCount());
            assertEquals(true, bert.namedParameters().containsKey("encoder.layer.4.attention.self.query.weight"));
        }
    }
}
