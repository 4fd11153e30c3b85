package dev.mmpeft.core.train.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mmpeft.core.train.TrainingException;
import org.junit.jupiter.api.Test;

class SchedulesTest {
    // 10 steps per epoch, 5 epochs, 50 steps
    private static SchedulePosition at(long step) {
        return SchedulePosition.of(step, 10, 50, 5);
    }

    @Test
    void constant() {
        assertEquals(1e-3, Schedules.constant().lr(1e-3, at(37)));
    }

    @Test
    void linearDecayPerStepIsHuggingFaces() {
        LrSchedule s = Schedules.linearDecay();
        assertEquals(1.0, s.lr(1.0, at(0)), 1e-12);
        assertEquals(0.5, s.lr(1.0, at(25)), 1e-12);
        assertEquals(0.02, s.lr(1.0, at(49)), 1e-12);
        // warm-up 10: step / 10, then (50 - t) / 40
        LrSchedule w = Schedules.linearDecay().warmupSteps(10);
        assertEquals(0.0, w.lr(1.0, at(0)), 1e-12);
        assertEquals(0.5, w.lr(1.0, at(5)), 1e-12);
        assertEquals(1.0, w.lr(1.0, at(10)), 1e-12);
        assertEquals(0.25, w.lr(1.0, at(40)), 1e-12);
        assertEquals(0.1 + 0.9 * 0.25, Schedules.linearDecay().warmupSteps(10).minLr(0.1).lr(1.0, at(40)), 1e-12);
    }

    @Test
    void linearDecayPerEpochIsConstantWithinAnEpoch() {
        LrSchedule s = Schedules.linearDecayPerEpoch();
        assertEquals(1.0, s.lr(1.0, at(0)), 1e-12);
        assertEquals(1.0, s.lr(1.0, at(9)), 1e-12);
        assertEquals(0.8, s.lr(1.0, at(10)), 1e-12);
        assertEquals(0.2, s.lr(1.0, at(49)), 1e-12);
    }

    @Test
    void lavisWarmupCosine() {
        // lavis/common/optims.py: epoch 0 -> min(max_lr, start + (max - start) * step / max(W, 1))
        LrSchedule s = Schedules.lavisWarmupCosine(4, 1e-6, 0.0);
        assertEquals(1e-6, s.lr(1e-4, at(0)), 1e-18);
        assertEquals(1e-6 + (1e-4 - 1e-6) * 2 / 4, s.lr(1e-4, at(2)), 1e-18);
        assertEquals(1e-4, s.lr(1e-4, at(7)), 1e-18); // after warm-up, still epoch 0: max lr
        // epoch e >= 1: (init - min) * 0.5 * (1 + cos(pi * e / max_epoch)) + min, constant within the epoch
        double e2 = (1e-4 - 1e-5) * 0.5 * (1 + Math.cos(Math.PI * 2 / 5)) + 1e-5;
        LrSchedule withMin = Schedules.lavisWarmupCosine(4, -1, 1e-5);
        assertEquals(e2, withMin.lr(1e-4, at(20)), 1e-18);
        assertEquals(e2, withMin.lr(1e-4, at(29)), 1e-18);
        assertEquals(1e-4, withMin.lr(1e-4, at(0)), 1e-18); // warmup_lr -1 means start at init_lr
    }

    @Test
    void lavisWarmupStepAndPerStepCosine() {
        LrSchedule s = Schedules.lavisWarmupStep(0, -1, 0.5, 1e-3);
        assertEquals(1e-2, s.lr(1e-2, at(3)), 1e-15);
        assertEquals(5e-3, s.lr(1e-2, at(10)), 1e-15);
        assertEquals(1e-3, s.lr(1e-2, at(45)), 1e-15); // 1e-2 * 0.5^4 = 6.25e-4 < min
        LrSchedule c = Schedules.warmupCosine(10, 0.0);
        assertEquals(0.3, c.lr(1.0, at(3)), 1e-12);
        assertEquals(1.0, c.lr(1.0, at(10)), 1e-12);
        assertEquals(0.5, c.lr(1.0, at(30)), 1e-12);
    }

    @Test
    void badSettingsAreRefused() {
        TrainingException e = assertThrows(TrainingException.class, () -> Schedules.linearDecay().warmupSteps(-1));
        assertEquals("linearDecay.warmupSteps must be >= 0, got -1", e.getMessage());
    }
}
