package dev.mmpeft.peft;

import static dev.mmpeft.peft.testing.TinyBlips.logits;
import static dev.mmpeft.peft.testing.TinyBlips.maxDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Component;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.peft.bottleneck.BottleneckInit;
import dev.mmpeft.peft.testing.TinyBlips;
import dev.mmpeft.peft.testing.TinyBlips.Tiny;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The new methods beside each other and in generation: named adapters of different methods on one
 * model switched by name, disabling, clashes on one module refused, and generation with a KV cache
 * equal to generation without one when prefixes, prompts or adapters are attached.
 */
class BlocksTogetherTest {
    @Test
    void adaptersOfDifferentMethodsAreSwitchedByName() {
        Tiny llama = TinyBlips.llama();
        float[] base = logits(llama, llama.model());
        try (PeftModel<InstructBlip> peft = Peft.lora().rank(2).target(Component.LLM_ATTN).on(llama.model())) {
            peft.addAdapter("bottleneck", Peft.adapter().bottleneck(4).init(BottleneckInit.BERT).scaling(30).build());
            peft.addAdapter("prefix", Peft.prefix().virtualTokens(3).build());
            peft.addAdapter("prompt", Peft.adaptionPrompt().promptLength(2).topLayers(2).build());
            float[] lora = logits(llama, peft.model());
            assertTrue(maxDiff(base, lora) <= 1e-6, "fresh LoRA: B = 0");
            peft.setActiveAdapter("bottleneck");
            float[] bottleneck = logits(llama, peft.model());
            peft.setActiveAdapter("prefix");
            float[] prefix = logits(llama, peft.model());
            assertTrue(maxDiff(base, bottleneck) > 1e-3 && maxDiff(base, prefix) > 1e-3 && maxDiff(bottleneck, prefix) > 1e-3);
            peft.setActiveAdapter("prompt");
            assertTrue(maxDiff(base, logits(llama, peft.model())) <= 1e-6, "zero gate");
            peft.setActiveAdapter("prefix");
            try (AdaptersDisabled off = peft.disableAdapters()) {
                assertArrayEquals(base, logits(llama, peft.model()), "disabled: the base model");
            }
            assertArrayEquals(prefix, logits(llama, peft.model()), "enabled again");
            assertEquals(List.of("self_attn"), List.of(peft.config("prompt", dev.mmpeft.peft.adaptionprompt.AdaptionPromptConfig.class)
                    .targetModules()));
            peft.deleteAdapter("prefix");
            peft.setActiveAdapter("bottleneck");
            assertArrayEquals(bottleneck, logits(llama, peft.model()), "after deleting another adapter");
            // a bottleneck adapter and an adaption prompt cannot share LLaMA's self-attention module
            PeftException clash = assertThrows(PeftException.class, () -> peft.addAdapter("both",
                    Peft.adapter().bottleneck(2).houlsby().target(Component.LLM_ATTN).build()));
            assertTrue(clash.getMessage().contains("already carries a adaption-prompt adapter"), clash.getMessage());
        }
    }

    @Test
    void generationWithACacheEqualsGenerationWithout() {
        for (Tiny tiny : List.of(TinyBlips.t5(), TinyBlips.llama())) {
            boolean llama = tiny == TinyBlips.llama();
            List<PeftConfig> configs = llama
                    ? List.of(Peft.prefix().virtualTokens(3).seed(5).build(), Peft.adaptionPrompt().promptLength(2).topLayers(2).build(),
                            Peft.adapter().bottleneck(4).houlsby().init(BottleneckInit.BERT).scaling(30).build())
                    : List.of(Peft.prefix().virtualTokens(3).seed(5).build(),
                            Peft.adapter().bottleneck(4).init(BottleneckInit.BERT).scaling(30).build());
            for (PeftConfig config : configs) {
                try (PeftModel<InstructBlip> peft = PeftModel.adapt(Adaptables.instructBlip(tiny.model()), config, 2);
                        NDManager scope = NDManager.newBaseManager()) {
                    if (config instanceof dev.mmpeft.peft.adaptionprompt.AdaptionPromptConfig) {
                        peft.adapterTensors("default").forEach((k, v) -> {
                            if (k.endsWith("adaption_gate")) {
                                v.addi(0.8f);
                            }
                        });
                    }
                    var inputs = tiny.processor().generationInputs(TinyBlips.prompts(), scope);
                    for (GenerationConfig g : List.of(GenerationConfig.greedy(6), GenerationConfig.beams(2, 5))) {
                        GenerationResult cached = peft.model().generate(inputs, g);
                        GenerationResult full = peft.model().generate(inputs, GenerationConfig.builder().from(g).useCache(false).build());
                        String what = tiny.dir().getFileName() + " " + config.describe() + " beams " + g.numBeams();
                        for (int i = 0; i < cached.size(); i++) {
                            assertArrayEquals(full.tokens(i), cached.tokens(i), what + " row " + i);
                            assertEquals(full.score(i), cached.score(i), 1e-4, what + " score " + i);
                        }
                    }
                }
            }
        }
    }
}
