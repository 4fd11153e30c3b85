package dev.mmpeft.models.qformer;


import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.Masks;
import dev.mmpeft.models.nn.Weights;
import dev.mmpeft.models.vision.InstructBlipVisionModel;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The vision encoder, Q-Former and language projection on their own against the numpy reference
 * written from transformers' modeling_instructblip.py ({@code src/test/python/instructblip_ref.py}).
 */
class VisionQFormerReferenceTest {
    static Path fixture(String name) throws Exception {
        return Path.of(VisionQFormerReferenceTest.class.getResource("/blip-reference/" + name + "/config.json").toURI()).getParent();
    }

    static void assertClose(NDArray expected, NDArray actual, double tol, String what) {
        assertEquals(expected.getShape(), actual.getShape(), what + " shape");
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            worst = Math.max(worst, Math.abs(e[i] - a[i]));
        }
        assertEquals(0.0, worst, tol, what + ": largest difference " + worst);
    }

    @Test
    void visionQFormerAndProjectionMatchTheReference() throws Exception {
        Path dir = fixture("t5-legacy");
        InstructBlipConfig config = Configs.read(dir, InstructBlipConfig.class);
        InstructBlipVisionModel vision = new InstructBlipVisionModel(config.visionConfig());
        InstructBlipQFormerModel qformer = new InstructBlipQFormerModel(config.qformerConfig());
        Linear projection = new Linear(config.qformerConfig().hiddenSize(), config.textConfig().hiddenSize(), true);
        try (NDManager m = NDManager.newBaseManager();
                Checkpoint ckpt = Checkpoint.open(dir);
                Checkpoint inputs = Checkpoint.open(dir.resolve("inputs.safetensors"));
                Checkpoint expected = Checkpoint.open(dir.resolve("expected.safetensors"))) {
            Weights.load(vision, ckpt, "vision_model.", m, Set.of());
            Weights.load(qformer, ckpt, "qformer.", m, Set.of());
            Weights.load(projection, ckpt, "language_projection.", m, Set.of());
            NDArray queryTokens = ckpt.load("query_tokens", m);
            try (NDManager batch = m.newSubManager()) {
                NDArray image = vision.forward(inputs.load("pixel_values", batch));
                assertClose(expected.load("image_embeds", batch), image, 2e-5, "image_embeds");
                NDArray ids = inputs.load("qformer_input_ids", batch);
                NDArray qmask = inputs.load("qformer_attention_mask", batch);
                long b = ids.getShape().get(0);
                NDArray queries = batch.zeros(new ai.djl.ndarray.types.Shape(b, config.numQueryTokens(), config.qformerConfig().hiddenSize())).add(queryTokens);
                NDArray fullMask = batch.ones(new ai.djl.ndarray.types.Shape(b, config.numQueryTokens()), DataType.INT64).concat(qmask, 1);
                NDArray out = qformer.forward(ids, fullMask, queries, image);
                assertClose(expected.load("query_output", batch), out, 2e-5, "query_output");
                NDArray proj = projection.forward(out.get(new NDIndex(":, :{}, :", config.numQueryTokens())));
                assertClose(expected.load("language_model_inputs", batch), proj, 2e-5, "language_model_inputs");
                // the padded instruction tokens of example 1 must not change its query outputs
                NDArray ids2 = ids.duplicate();
                ids2.set(new NDIndex("1, 4:"), 7);
                NDArray out2 = qformer.forward(ids2, fullMask, queries, image);
                assertClose(out.get(new NDIndex("1, :{}, :", config.numQueryTokens())),
                        out2.get(new NDIndex("1, :{}, :", config.numQueryTokens())), 1e-6, "masked tokens");
            }
        }
    }

    @Test
    void additiveMaskIsTransformersExtendedMask() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray mask = m.create(new long[] {1, 1, 0}, new ai.djl.ndarray.types.Shape(1, 3));
            float[] add = Masks.padding(mask).toFloatArray();
            assertEquals(0f, add[0], 0f);
            assertEquals(0f, add[1], 0f);
            assertEquals(-Float.MAX_VALUE, add[2]);
        }
    }
}
