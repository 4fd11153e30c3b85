package dev.mmpeft.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.Component;
import dev.mmpeft.spark.SparkJobException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The mains' flags: values, switches, defaults, and a typed error naming the flag and what was found. */
class MainArgsTest {
    static final Set<String> FLAGS = Set.of("--model", "--ranks", "--epochs", "--lr");
    static final Set<String> SWITCHES = Set.of("--no-full");

    @Test
    void flagsSwitchesAndDefaults() {
        MainArgs a = MainArgs.parse("SweepMain", new String[] {"--model", "m", "--ranks", "1, 2,,4", "--no-full", "--lr", "2e-3"},
                FLAGS, SWITCHES);
        assertEquals(Path.of("m").toAbsolutePath(), a.path("--model"));
        assertEquals(List.of(1, 2, 4), a.integers("--ranks", List.of(8)));
        assertTrue(a.on("--no-full"));
        assertEquals(2e-3, a.number("--lr", 5e-3));
        assertEquals(15, a.integer("--epochs", 15));
        assertEquals(Optional.empty(), a.get("--epochs"));
        assertFalse(MainArgs.parse("SweepMain", new String[0], FLAGS, SWITCHES).on("--no-full"));
    }

    @Test
    void badArgumentsNameTheFlagAndWhatWasFound() {
        SparkJobException unknown = assertThrows(SparkJobException.class,
                () -> MainArgs.parse("SweepMain", new String[] {"--model", "m", "--bogus"}, FLAGS, SWITCHES));
        assertEquals("SweepMain: unknown argument '--bogus'; expected one of [--epochs, --lr, --model, --no-full, --ranks]",
                unknown.getMessage());
        assertEquals("SweepMain: --model needs a value", assertThrows(SparkJobException.class,
                () -> MainArgs.parse("SweepMain", new String[] {"--model"}, FLAGS, SWITCHES)).getMessage());
        MainArgs a = MainArgs.parse("SweepMain", new String[] {"--epochs", "three", "--lr", "fast", "--ranks", "1,x"}, FLAGS, SWITCHES);
        assertEquals("SweepMain: --epochs must be a whole number, got 'three'",
                assertThrows(SparkJobException.class, () -> a.integer("--epochs", 15)).getMessage());
        assertEquals("SweepMain: --lr must be a number, got 'fast'",
                assertThrows(SparkJobException.class, () -> a.number("--lr", 5e-3)).getMessage());
        assertEquals("SweepMain: --ranks must be a whole number, got 'x'",
                assertThrows(SparkJobException.class, () -> a.integers("--ranks", List.of())).getMessage());
        assertEquals("SweepMain: --model is required",
                assertThrows(SparkJobException.class, () -> a.require("--model")).getMessage());
    }

    @Test
    void componentRowsAsTheSweepCommandReadsThem() {
        assertEquals(List.of(EnumSet.of(Component.QFORMER_CROSS_ATTN), EnumSet.of(Component.QFORMER_ALL, Component.LLM_FFN)),
                SweepMain.parseRows("QFORMER_CROSS_ATTN,QFORMER_ALL+LLM_FFN"));
        assertEquals("SweepMain: --components names no component, got ' , '",
                assertThrows(SparkJobException.class, () -> SweepMain.parseRows(" , ")).getMessage());
    }
}
