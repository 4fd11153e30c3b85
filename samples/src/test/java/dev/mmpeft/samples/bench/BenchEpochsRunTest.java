package dev.mmpeft.samples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The epoch benchmark's summary figures from per-epoch seconds. */
class BenchEpochsRunTest {
    @Test
    void laterEpochsAreAveragedAndComparedWithTheFirst() {
        BenchEpochs.Run cached = new BenchEpochs.Run(List.of(3.0, 1.0, 2.0), List.of());
        BenchEpochs.Run uncached = new BenchEpochs.Run(List.of(3.5, 2.5, 3.5), List.of());

        assertEquals(1.5, cached.laterEpochSeconds(), 1e-12);
        assertEquals(2.0, cached.laterEpochSpeedup(), 1e-12);
        // the cache-alone figure the JSON line prints: uncached later epochs over cached ones
        assertEquals(2.0, uncached.laterEpochSeconds() / cached.laterEpochSeconds(), 1e-12);
    }

    @Test
    void aSingleEpochHasNoLaterEpochs() {
        BenchEpochs.Run one = new BenchEpochs.Run(List.of(3.0), List.of());

        assertTrue(Double.isNaN(one.laterEpochSeconds()));
        assertTrue(Double.isNaN(one.laterEpochSpeedup()));
    }
}
