package dev.mmpeft.peft;

import dev.mmpeft.peft.lora.InitLoraWeights;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.peft.testing.ToyModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A few optimizer steps through {@link PeftModel} as a {@code TrainableModel}: only the adapter's
 * tensors change, frozen tensors never get a gradient, the base model stays bit-identical.
 */
class TrainingTest {
    static List<Prompt> batch(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < ToyModel.IN; k++) {
                sb.append(String.format(Locale.ROOT, "%.4f ", r.nextDouble() * 2 - 1));
            }
            out.add(Prompt.builder().exampleId("e" + i).instruction("").input(sb.toString()).target(Integer.toString(r.nextInt(ToyModel.OUT))).build());
        }
        return out;
    }

    /** torch.optim.AdamW, written out: decoupled decay, bias-corrected moments. */
    static final class AdamW {
        final double lr;
        final double wd;
        final double b1 = 0.9;
        final double b2 = 0.999;
        final double eps = 1e-8;
        final Map<String, NDArray> m = new HashMap<>();
        final Map<String, NDArray> v = new HashMap<>();
        int t;

        AdamW(double lr, double wd) {
            this.lr = lr;
            this.wd = wd;
        }

        void step(Map<String, Parameter> params, NDManager state) {
            t++;
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray p = e.getValue().getArray();
                NDArray g = p.getGradient();
                NDArray mt = m.computeIfAbsent(e.getKey(), k -> state.zeros(p.getShape()));
                NDArray vt = v.computeIfAbsent(e.getKey(), k -> state.zeros(p.getShape()));
                mt.muli(b1).addi(g.mul(1 - b1));
                vt.muli(b2).addi(g.square().muli(1 - b2));
                NDArray mhat = mt.div(1 - Math.pow(b1, t));
                NDArray vhat = vt.div(1 - Math.pow(b2, t));
                p.muli(1 - lr * wd);
                p.subi(mhat.div(vhat.sqrt().addi(eps)).muli(lr));
                g.muli(0);
            }
        }
    }

    @Test
    void adamWStepsChangeOnlyAdapterTensors() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ToyModel base = ToyModel.random(manager, 5);
            Map<String, float[]> baseBefore = new LinkedHashMap<>();
            base.root().namedParameters().forEach((k, p) -> baseBefore.put(k, p.getArray().toFloatArray()));
            try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).alpha(4).dropout(0.1)
                    .target(Component.QFORMER_CROSS_ATTN, Component.QFORMER_FFN)
                    .train(Component.LANGUAGE_PROJECTION).on(base)) {
                TrainableParameters trainable = peft.trainableParameters();
                // 2 cross-attention keys + 6 FFN layers, A and B each; plus proj weight and bias
                assertEquals(8 * 2 + 2, trainable.size());
                assertTrue(trainable.keySet().stream().allMatch(k -> k.startsWith("base_model.model.")));
                Map<String, Parameter> all = peft.adaptable().root().namedParameters();
                Map<String, float[]> before = new LinkedHashMap<>();
                all.forEach((k, p) -> before.put(k, p.getArray().toFloatArray()));
                for (Map.Entry<String, Parameter> e : all.entrySet()) {
                    boolean isTrainable = trainable.containsValue(e.getValue());
                    assertEquals(isTrainable, e.getValue().requiresGradient(), e.getKey());
                    assertEquals(isTrainable, e.getValue().getArray().hasGradient(), e.getKey());
                }

                peft.setTraining(true);
                AdamW adamW = new AdamW(1e-2, 0.05);
                List<Float> losses = new ArrayList<>();
                try (NDManager state = manager.newSubManager()) {
                    for (int step = 0; step < 5; step++) {
                        try (NDManager scope = manager.newSubManager()) {
                            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                                NDArray loss = peft.loss(batch(8, 100 + step % 2), scope);
                                losses.add(loss.getFloat());
                                gc.backward(loss);
                            }
                            adamW.step(trainable, state);
                        }
                    }
                }
                peft.setTraining(false);
                assertTrue(losses.get(4) < losses.get(0), "loss goes down: " + losses);

                for (Map.Entry<String, Parameter> e : all.entrySet()) {
                    float[] now = e.getValue().getArray().toFloatArray();
                    if (trainable.containsValue(e.getValue())) {
                        assertFalse(java.util.Arrays.equals(before.get(e.getKey()), now), e.getKey() + " trained");
                    } else {
                        assertArrayEquals(before.get(e.getKey()), now, e.getKey() + " frozen");
                        assertFalse(e.getValue().getArray().hasGradient(), e.getKey() + " has no gradient");
                        assertThrows(IllegalStateException.class, () -> e.getValue().getArray().getGradient(), e.getKey());
                    }
                }
            }
            base.root().namedParameters().forEach((k, p) -> assertArrayEquals(baseBefore.get(k), p.getArray().toFloatArray(), k));
        }
    }

    @Test
    void dropoutActsOnlyInTrainingMode() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ToyModel base = ToyModel.random(manager, 5);
            try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).dropout(0.5).init(InitLoraWeights.RANDOM).target("proj").on(base)) {
                List<Prompt> b = batch(4, 1);
                try (NDManager scope = manager.newSubManager()) {
                    float eval1 = peft.loss(b, scope).getFloat();
                    float eval2 = peft.loss(b, scope).getFloat();
                    assertEquals(eval1, eval2, 0f, "no dropout in evaluation");
                    peft.setTraining(true);
                    boolean differs = false;
                    for (int i = 0; i < 5 && !differs; i++) {
                        differs = peft.loss(b, scope).getFloat() != eval1;
                    }
                    assertTrue(differs, "dropout changes the training loss");
                }
            }
        }
    }
}
