package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.Component;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.StandardMethods;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The setting {@code train}'s flags describe, parsed by picocli exactly as the command line is:
 * the recipe's defaults fill every flag, so whether {@code --lr}, {@code --target} or
 * {@code --rank} was given must come from what the command line said, not from the value.
 */
class FineTuningOptionsTest {
    static FineTuning setting(String... flags) {
        TrainCommand train = new TrainCommand();
        String[] args = new String[flags.length + 6];
        System.arraycopy(new String[] {"--model", "embedded", "--data", "d", "--output", "o"}, 0, args, 0, 6);
        System.arraycopy(flags, 0, args, 6, flags.length);
        new CommandLine(train).parseArgs(args);
        return train.tuning.setting();
    }

    @Test
    void loraDefaultsAreTheOneRecipe() {
        FineTuning s = setting();
        assertEquals(StandardMethods.LORA, s.method());
        assertEquals(EnumSet.of(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN), s.components());
        assertEquals(2, s.rank());
        assertEquals(8.0, s.alpha());
        assertEquals(5e-3, s.learningRate());
    }

    @Test
    void anotherMethodKeepsItsOwnLearningRateAndTargetsUnlessGiven() {
        FineTuning ia3 = setting("--method", "ia3");
        assertEquals(StandardMethods.IA3, ia3.method());
        assertEquals(5e-2, ia3.learningRate(), "IA3's own rate on the embedded default");
        assertEquals(StandardMethods.IA3.defaultComponents(), ia3.components());

        FineTuning ia3Lr = setting("--method", "ia3", "--lr", "1e-3", "--target", "LLM_ATTN");
        assertEquals(1e-3, ia3Lr.learningRate());
        assertEquals(Set.of(Component.LLM_ATTN), ia3Lr.components());

        FineTuning dora = setting("--method", "dora", "--rank", "4");
        assertEquals(StandardMethods.DORA, dora.method());
        assertEquals(EnumSet.of(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN), dora.components(), "DoRA keeps LoRA's targets");
        assertEquals(4, dora.rank());
        assertEquals(16.0, dora.alpha());
    }

    @Test
    void anOptionOfAnotherMethodIsRefusedByName() {
        CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(CommandLine.ParameterException.class,
                () -> setting("--method", "ia3", "--rank", "4"));
        assertTrue(e.getMessage().contains("--rank does not apply to --method ia3"), e.getMessage());
    }
}
