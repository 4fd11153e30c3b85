package dev.mmpeft.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.core.testing.TestResources;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.t5.T5Model;
import org.junit.jupiter.api.Test;

/**
 * LoRA parameter counts of the real language models of Salesforce/instructblip-flan-t5-xl and
 * Salesforce/instructblip-vicuna-7b, from their configs alone (no weights allocated).
 */
class LanguageModelCountsTest {
    @Test
    void flanT5XlAttentionAndFeedForwardCountsAtRanks1To8() {
        InstructBlipConfig blip = Configs.read(TestResources.hfConfig("instructblip-flan-t5-xl"), InstructBlipConfig.class);
        T5Model llm = T5Model.fromConfig((T5Config) blip.textConfig());
        AdaptableModel<T5Model> structure = Adaptables.t5(llm);
        for (int r : new int[] {1, 2, 4, 8}) {
            ParameterReport attn = Peft.lora().rank(r).target(Component.LLM_ATTN).report(structure);
            ParameterReport ffn = Peft.lora().rank(r).target(Component.LLM_FFN).report(structure);
            assertEquals(589_824L * r, attn.trainable(), "LLM attn at r=" + r);
            assertEquals(1_032_192L * r, ffn.trainable(), "LLM FFN at r=" + r);
            assertEquals(589_824L * r, attn.trainable("LLM_ATTN"));
            assertEquals(2_849_757_184L + 589_824L * r, attn.total());
        }
        assertEquals("trainable params: 589,824 || all params: 2,850,347,008 || trainable%: 0.0207",
                Peft.lora().rank(1).target(Component.LLM_ATTN).report(structure).summary());
    }

    @Test
    void vicuna7bAttentionIs32LayersTimesTwoMatricesTimes8192TimesRank() {
        InstructBlipConfig blip = Configs.read(TestResources.hfConfig("instructblip-vicuna-7b"), InstructBlipConfig.class);
        LlamaModel llm = LlamaModel.fromConfig((LlamaConfig) blip.textConfig());
        AdaptableModel<LlamaModel> structure = Adaptables.llama(llm);
        for (int r : new int[] {1, 2, 4, 8}) {
            ParameterReport attn = Peft.lora().rank(r).target(Component.LLM_ATTN).report(structure);
            assertEquals(32L * 2 * (4096 + 4096) * r, attn.trainable(), "Vicuna-7B LLM attn at r=" + r);
            // gate and up: 4096 -> 11008, down: 11008 -> 4096
            ParameterReport ffn = Peft.lora().rank(r).target(Component.LLM_FFN).report(structure);
            assertEquals(32L * 3 * (4096 + 11008) * r, ffn.trainable(), "Vicuna-7B LLM FFN at r=" + r);
        }
    }
}
