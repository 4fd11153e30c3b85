package dev.mmpeft.peft.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.train.ActivationCheckpointing;
import dev.mmpeft.core.train.Autograd;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.peft.testing.TinyBlips;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Activation checkpointing on LoRA models, as the papers' components place it: the LoRA tensors'
 * gradients equal those without checkpointing, and only layers with something to back-propagate
 * are run again (a frozen Q-Former before a language-model LoRA is not).
 */
class LoraActivationCheckpointingTest {
    private static Map<String, float[]> gradients(Component target, boolean checkpointing, int[] checkpointed) {
        TinyBlips.Tiny t5 = TinyBlips.t5();
        try (PeftModel<InstructBlip> peft = Peft.lora().rank(2).init(InitLoraWeights.RANDOM).target(target)
                        .on(Adaptables.instructBlip(t5.model(), t5.processor()));
                NDManager scope = NDManager.newBaseManager();
                Autograd.GradMode on = Autograd.gradMode(true)) {
            // evaluation mode: no dropout, so both runs compute the same function
            peft.setTraining(false);
            try (ActivationCheckpointing.Session session = checkpointing ? ActivationCheckpointing.open(scope) : null) {
                NDArray loss = peft.loss(TinyBlips.prompts(), scope);
                if (session == null) {
                    Autograd.backward(loss);
                } else {
                    checkpointed[0] = session.pending();
                    session.backward(loss);
                }
            }
            Map<String, float[]> out = new TreeMap<>();
            peft.trainableParameters().forEach((k, p) -> out.put(k, p.getArray().getGradient().toFloatArray()));
            return out;
        }
    }

    @Test
    void loraGradientsAreThoseWithoutCheckpointingAndFrozenLayersAreNotRunAgain() {
        // the tiny T5 InstructBLIP: 2 Q-Former layers, 2 encoder and 2 decoder blocks
        for (Map.Entry<Component, Integer> c : Map.of(Component.LLM_ALL, 4, Component.QFORMER_ALL, 6).entrySet()) {
            int[] layers = new int[1];
            Map<String, float[]> plain = gradients(c.getKey(), false, layers);
            Map<String, float[]> checkpointed = gradients(c.getKey(), true, layers);
            assertEquals((int) c.getValue(), layers[0], c.getKey() + ": layers checkpointed");
            assertEquals(plain.keySet(), checkpointed.keySet());
            int nonZero = 0;
            for (String k : plain.keySet()) {
                float[] e = plain.get(k);
                float[] a = checkpointed.get(k);
                for (int i = 0; i < e.length; i++) {
                    assertEquals(e[i], a[i], 1e-6 + 1e-5 * Math.abs(e[i]), c.getKey() + " " + k + "[" + i + "]");
                    nonZero += e[i] != 0 ? 1 : 0;
                }
            }
            assertTrue(nonZero > plain.size(), c.getKey() + ": gradients reached the adapters: " + nonZero);
        }
    }
}
