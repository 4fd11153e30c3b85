package dev.mmpeft.core.train.schedule;

import dev.mmpeft.core.train.TrainingException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The learning-rate schedules of the papers and of LAVIS/Hugging Face, as pure functions of the
 * training position.
 *
 * <ul>
 *   <li>{@link #constant()};
 *   <li>{@link #linearDecay()}: per optimizer step, Hugging Face's
 *       {@code get_linear_schedule_with_warmup} (optional warm-up, then linear to {@code minLr}
 *       at the last step);
 *   <li>{@link #linearDecayPerEpoch()}: the rate falls linearly once per epoch and is constant
 *       within an epoch, as the papers' runs decayed it;
 *   <li>{@link #lavisWarmupCosine}: LAVIS's {@code LinearWarmupCosineLRScheduler} (warm-up over the
 *       first steps of epoch 0, then cosine per epoch down to {@code minLr});
 *   <li>{@link #warmupCosine}: warm-up then cosine per step (Hugging Face's
 *       {@code get_cosine_schedule_with_warmup}) with a floor {@code minLr};
 *   <li>{@link #lavisWarmupStep}: LAVIS's {@code LinearWarmupStepLRScheduler}.
 * </ul>
 * In LAVIS the warm-up counts iterations of epoch 0; here it counts optimizer steps of epoch 0
 * (the same with no gradient accumulation).
 */
public final class Schedules {
    private Schedules() {}

    /** The base rate throughout. */
    public static LrSchedule constant() {
        return new Constant();
    }

    /** Linear decay per step from the base rate to 0 at the end of the run, no warm-up. */
    public static LinearDecay linearDecay() {
        return new LinearDecay(0, 0);
    }

    /** Linear decay per epoch from the base rate (epoch 0) towards 0 (after the last epoch). */
    public static LinearDecayPerEpoch linearDecayPerEpoch() {
        return new LinearDecayPerEpoch(0);
    }

    /**
     * LAVIS's {@code linear_warmup_cosine_lr}: in epoch 0, {@code min(base, start + (base - start)
     * * step / max(warmupSteps, 1))}; from epoch 1, {@code (base - minLr) * 0.5 * (1 + cos(pi *
     * epoch / epochs)) + minLr}.
     *
     * @param warmupStartLr the rate warm-up starts from; negative means the base rate (LAVIS's -1)
     */
    public static LrSchedule lavisWarmupCosine(long warmupSteps, double warmupStartLr, double minLr) {
        return new LavisWarmupCosine(warmupSteps, warmupStartLr, minLr);
    }

    /**
     * LAVIS's {@code linear_warmup_step_lr}: warm-up in epoch 0 as in {@link #lavisWarmupCosine},
     * then {@code max(minLr, base * decayRate^epoch)}.
     */
    public static LrSchedule lavisWarmupStep(long warmupSteps, double warmupStartLr, double decayRate, double minLr) {
        return new LavisWarmupStep(warmupSteps, warmupStartLr, decayRate, minLr);
    }

    /**
     * Linear warm-up over {@code warmupSteps} optimizer steps ({@code base * step / warmupSteps}),
     * then a per-step cosine from the base rate to {@code minLr} at the end of the run.
     */
    public static LrSchedule warmupCosine(long warmupSteps, double minLr) {
        return new WarmupCosine(warmupSteps, minLr);
    }

    static double lavisWarmup(double base, double start, long step, long warmupSteps) {
        double s = start < 0 ? base : start;
        return Math.min(base, s + (base - s) * step / Math.max(warmupSteps, 1));
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            out.put((String) kv[i], kv[i + 1]);
        }
        return out;
    }

    private static final class Constant implements LrSchedule {
        @Override
        public double lr(double baseLr, SchedulePosition p) {
            return baseLr;
        }

        @Override
        public Map<String, Object> describe() {
            return map("name", "constant");
        }
    }

    /** Per-step linear decay with optional warm-up and floor; see {@link Schedules#linearDecay()}. */
    public static final class LinearDecay implements LrSchedule {
        private final long warmupSteps;
        private final double minLr;

        LinearDecay(long warmupSteps, double minLr) {
            TrainingException.check(warmupSteps >= 0, "linearDecay.warmupSteps", warmupSteps, ">= 0");
            TrainingException.check(minLr >= 0, "linearDecay.minLr", minLr, ">= 0");
            this.warmupSteps = warmupSteps;
            this.minLr = minLr;
        }

        /** A copy that warms up linearly from 0 over {@code steps} optimizer steps. */
        public LinearDecay warmupSteps(long steps) {
            return new LinearDecay(steps, minLr);
        }

        /** A copy that decays to {@code minLr} instead of 0. */
        public LinearDecay minLr(double minLr) {
            return new LinearDecay(warmupSteps, minLr);
        }

        @Override
        public double lr(double baseLr, SchedulePosition p) {
            long t = p.step();
            if (t < warmupSteps) {
                return baseLr * t / Math.max(1, warmupSteps);
            }
            double f = Math.max(0.0, (double) (p.totalSteps() - t) / Math.max(1, p.totalSteps() - warmupSteps));
            return minLr + (baseLr - minLr) * f;
        }

        @Override
        public Map<String, Object> describe() {
            return map("name", "linear_decay", "per", "step", "warmup_steps", warmupSteps, "min_lr", minLr);
        }
    }

    /** Per-epoch linear decay; see {@link Schedules#linearDecayPerEpoch()}. */
    public static final class LinearDecayPerEpoch implements LrSchedule {
        private final double minLr;

        LinearDecayPerEpoch(double minLr) {
            TrainingException.check(minLr >= 0, "linearDecayPerEpoch.minLr", minLr, ">= 0");
            this.minLr = minLr;
        }

        /** A copy that decays towards {@code minLr} instead of 0. */
        public LinearDecayPerEpoch minLr(double minLr) {
            return new LinearDecayPerEpoch(minLr);
        }

        @Override
        public double lr(double baseLr, SchedulePosition p) {
            double f = 1.0 - (double) p.epoch() / Math.max(1, p.totalEpochs());
            return minLr + (baseLr - minLr) * Math.max(0.0, f);
        }

        @Override
        public Map<String, Object> describe() {
            return map("name", "linear_decay", "per", "epoch", "min_lr", minLr);
        }
    }

    private static final class LavisWarmupCosine implements LrSchedule {
        private final long warmupSteps;
        private final double warmupStartLr;
        private final double minLr;

        LavisWarmupCosine(long warmupSteps, double warmupStartLr, double minLr) {
            TrainingException.check(warmupSteps >= 0, "lavisWarmupCosine.warmupSteps", warmupSteps, ">= 0");
            TrainingException.check(minLr >= 0, "lavisWarmupCosine.minLr", minLr, ">= 0");
            this.warmupSteps = warmupSteps;
            this.warmupStartLr = warmupStartLr;
            this.minLr = minLr;
        }

        @Override
        public double lr(double baseLr, SchedulePosition p) {
            if (p.epoch() == 0) {
                return lavisWarmup(baseLr, warmupStartLr, p.stepInEpoch(), warmupSteps);
            }
            return (baseLr - minLr) * 0.5 * (1.0 + Math.cos(Math.PI * p.epoch() / p.totalEpochs())) + minLr;
        }

        @Override
        public Map<String, Object> describe() {
            return map("name", "linear_warmup_cosine_lr", "warmup_steps", warmupSteps, "warmup_lr", warmupStartLr, "min_lr", minLr);
        }
    }

    private static final class LavisWarmupStep implements LrSchedule {
        private final long warmupSteps;
        private final double warmupStartLr;
        private final double decayRate;
        private final double minLr;

        LavisWarmupStep(long warmupSteps, double warmupStartLr, double decayRate, double minLr) {
            TrainingException.check(warmupSteps >= 0, "lavisWarmupStep.warmupSteps", warmupSteps, ">= 0");
            TrainingException.check(decayRate > 0, "lavisWarmupStep.decayRate", decayRate, "> 0");
            TrainingException.check(minLr >= 0, "lavisWarmupStep.minLr", minLr, ">= 0");
            this.warmupSteps = warmupSteps;
            this.warmupStartLr = warmupStartLr;
            this.decayRate = decayRate;
            this.minLr = minLr;
        }

        @Override
        public double lr(double baseLr, SchedulePosition p) {
            if (p.epoch() == 0) {
                return lavisWarmup(baseLr, warmupStartLr, p.stepInEpoch(), warmupSteps);
            }
            return Math.max(minLr, baseLr * Math.pow(decayRate, p.epoch()));
        }

        @Override
        public Map<String, Object> describe() {
            return map("name", "linear_warmup_step_lr", "warmup_steps", warmupSteps, "warmup_lr", warmupStartLr,
                    "lr_decay_rate", decayRate, "min_lr", minLr);
        }
    }

    private static final class WarmupCosine implements LrSchedule {
        private final long warmupSteps;
        private final double minLr;

        WarmupCosine(long warmupSteps, double minLr) {
            TrainingException.check(warmupSteps >= 0, "warmupCosine.warmupSteps", warmupSteps, ">= 0");
            TrainingException.check(minLr >= 0, "warmupCosine.minLr", minLr, ">= 0");
            this.warmupSteps = warmupSteps;
            this.minLr = minLr;
        }

        @Override
        public double lr(double baseLr, SchedulePosition p) {
            long t = p.step();
            if (t < warmupSteps) {
                return baseLr * t / Math.max(1, warmupSteps);
            }
            double progress = (double) (t - warmupSteps) / Math.max(1, p.totalSteps() - warmupSteps);
            return minLr + (baseLr - minLr) * 0.5 * (1.0 + Math.cos(Math.PI * progress));
        }

        @Override
        public Map<String, Object> describe() {
            return map("name", "warmup_cosine", "per", "step", "warmup_steps", warmupSteps, "min_lr", minLr);
        }
    }
}
