package dev.mmpeft.models.llava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.mmpeft.core.safetensors.Checkpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The loss is differentiable through every part: the scatter of image features, the connector, the CLIP tower. */
class LlavaTrainingTest {
    @Test
    void lossGradientsReachEveryPartUpToTheFeatureLayer() throws Exception {
        Path dir = LlavaReferenceTest.fixture("default-legacy");
        try (Llava model = Llava.load(dir);
                NDManager m = NDManager.newBaseManager();
                Checkpoint in = Checkpoint.open(dir.resolve("inputs.safetensors"))) {
            for (Parameter p : model.namedParameters().values()) {
                p.getArray().setRequiresGradient(true);
            }
            LlavaInputs inputs = LlavaInputs.builder().pixelValues(in.load("pixel_values", m)).inputIds(in.load("input_ids", m))
                    .attentionMask(in.load("attention_mask", m)).labels(in.load("labels", m)).build();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = model.forward(inputs).loss().orElseThrow();
                assertTrue(Float.isFinite(loss.getFloat()));
                gc.backward(loss);
            }
            for (String name : new String[] {
                "vision_tower.vision_model.embeddings.patch_embedding.weight",
                "vision_tower.vision_model.embeddings.class_embedding",
                "vision_tower.vision_model.pre_layrnorm.weight",
                "vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight",
                "vision_tower.vision_model.encoder.layers.1.mlp.fc2.bias",
                "multi_modal_projector.linear_1.weight",
                "multi_modal_projector.linear_2.bias",
                "language_model.model.layers.1.mlp.down_proj.weight",
                "language_model.lm_head.weight"
            }) {
                NDArray grad = model.namedParameters().get(name).getArray().getGradient();
                assertTrue(grad.abs().sum().getFloat() > 0, "no gradient for " + name);
            }
            // vision_feature_layer -2 of 3 layers: the last layer and post_layernorm do not take part
            for (String name : new String[] {
                "vision_tower.vision_model.encoder.layers.2.mlp.fc1.weight", "vision_tower.vision_model.post_layernorm.weight"
            }) {
                assertEquals(0f, model.namedParameters().get(name).getArray().getGradient().abs().sum().getFloat(), name);
            }
        }
    }
}
