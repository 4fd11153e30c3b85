package dev.mmpeft.peft;

import dev.mmpeft.peft.lora.LoraConfig;
import dev.mmpeft.peft.lora.InitLoraWeights;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.TrainingResult;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.optim.WeightDecayGroups;
import dev.mmpeft.core.train.schedule.Schedules;
import dev.mmpeft.peft.testing.ToyModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link PeftModel} trained by the SDK's {@link Trainer}: 10 AdamW steps (lr 1e-2, weight decay
 * 0.05) give the same losses and adapter as the torch.optim.AdamW loop written out in
 * {@link TrainingTest}, and the trainer's checkpoint is a PEFT adapter directory.
 */
class TrainerIntegrationTest {
    @TempDir Path tmp;

    @Test
    void tenAdamWStepsMatchTheHandWrittenLoopAndCheckpointAsPeftAdapter() throws Exception {
        List<Prompt> data = TrainingTest.batch(40, 77);
        try (NDManager manager = NDManager.newBaseManager()) {
            ToyModel base = ToyModel.random(manager, 12);
            // by hand: batches of 4 in order, torch AdamW on every trainable tensor
            List<Float> expectedLosses = new ArrayList<>();
            Map<String, float[]> expected = new LinkedHashMap<>();
            try (PeftModel<ToyModel.Net> peft = lora().on(base); NDManager state = manager.newSubManager()) {
                TrainableParameters trainable = peft.trainableParameters();
                TrainingTest.AdamW adamW = new TrainingTest.AdamW(1e-2, 0.05);
                peft.setTraining(true);
                for (int step = 0; step < 10; step++) {
                    try (NDManager scope = manager.newSubManager()) {
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray loss = peft.loss(data.subList(step * 4, step * 4 + 4), scope);
                            expectedLosses.add(loss.getFloat());
                            gc.backward(loss);
                        }
                        adamW.step(trainable, state);
                    }
                }
                trainable.forEach((k, p) -> expected.put(k, p.getArray().toFloatArray()));
            }
            // the SDK's trainer
            try (PeftModel<ToyModel.Net> peft = lora().on(base)) {
                TrainingResult r = Trainer.builder()
                        .optimizer(AdamW.lr(1e-2).weightDecay(0.05).decayGroups(WeightDecayGroups.all()))
                        .schedule(Schedules.constant())
                        .maxSteps(10).batchSize(4).shuffle(false).seed(1)
                        .outputDir(tmp.resolve("run")).saveLast(true)
                        .listeners("log")
                        .build()
                        .fit(peft, data);
                assertEquals(10, r.steps());
                for (int i = 0; i < 10; i++) {
                    assertEquals(expectedLosses.get(i), r.losses().get(i), 1e-5, "loss of step " + (i + 1));
                }
                peft.trainableParameters().forEach((k, p) -> {
                    float[] got = p.getArray().toFloatArray();
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(expected.get(k)[i], got[i], 1e-5, k + "[" + i + "]");
                    }
                });
                Path last = r.lastDir().orElseThrow();
                try (PeftModel<ToyModel.Net> reloaded = Peft.load(base, last)) {
                    Map<String, NDArray> saved = reloaded.adapterTensors("default");
                    peft.adapterTensors("default").forEach((k, v) -> assertArrayEquals(v.toFloatArray(), saved.get(k).toFloatArray(), k));
                }
            }
        }
    }

    /**
     * The trainer's data-parallel contract ({@code TrainableModel.replicate}): two CPU replicas,
     * each computing half of every batch, end where one model does (as the trainer's own test
     * shows for its toy model), and the caller's model holds the result.
     */
    @Test
    void twoCpuReplicasTrainLikeOne() {
        List<Prompt> data = TrainingTest.batch(32, 5);
        try (NDManager manager = NDManager.newBaseManager()) {
            ToyModel base = ToyModel.random(manager, 21);
            Map<String, float[]> single = new LinkedHashMap<>();
            Map<String, float[]> initial = new LinkedHashMap<>();
            try (PeftModel<ToyModel.Net> peft = lora().init(InitLoraWeights.RANDOM).on(base)) {
                peft.trainableParameters().forEach((k, p) -> initial.put(k, p.getArray().toFloatArray()));
                fitTwoEpochs(peft, data, dev.mmpeft.core.Device.cpu());
                peft.trainableParameters().forEach((k, p) -> single.put(k, p.getArray().toFloatArray()));
            }
            try (PeftModel<ToyModel.Net> peft = lora().init(InitLoraWeights.RANDOM).on(base)) {
                fitTwoEpochs(peft, data, dev.mmpeft.core.Device.cpu(), dev.mmpeft.core.Device.cpu());
                assertEquals(single.keySet(), peft.trainableParameters().keySet());
                peft.trainableParameters().forEach((k, p) -> {
                    float[] got = p.getArray().toFloatArray();
                    assertTrue(!java.util.Arrays.equals(initial.get(k), got), k + " trained");
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(single.get(k)[i], got[i], 1e-6, k + "[" + i + "]");
                    }
                });
            }
        }
    }

    private static void fitTwoEpochs(PeftModel<ToyModel.Net> peft, List<Prompt> data, dev.mmpeft.core.Device... devices) {
        Trainer.builder()
                .optimizer(AdamW.lr(1e-2).weightDecay(0.05))
                .schedule(Schedules.constant())
                .epochs(2).batchSize(8).shuffle(false).seed(1).clipGradNorm(0.5)
                .devices(devices)
                .listeners()
                .build()
                .fit(peft, data);
    }

    private static LoraConfig.Builder lora() {
        return Peft.lora().rank(2).alpha(4).seed(3).target(Component.QFORMER_SELF_ATTN, Component.QFORMER_FFN).train(Component.LANGUAGE_PROJECTION);
    }
}
