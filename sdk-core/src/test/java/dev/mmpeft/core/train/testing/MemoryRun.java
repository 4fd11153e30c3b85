package dev.mmpeft.core.train.testing;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.train.MemoryStats;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.TrainingResult;
import dev.mmpeft.core.train.listener.StepEvent;
import dev.mmpeft.core.train.listener.TrainingListener;
import dev.mmpeft.core.train.optim.AdamW;
import java.util.Set;

/**
 * 2,000 steps of the tiny model in a JVM of its own (so the reading is this run's memory alone);
 * prints {@code rss STEP MIB heap MIB} every {@code -Devery} steps ({@code VmRSS} after a GC).
 */
public final class MemoryRun {
    private MemoryRun() {}

    public static void main(String[] args) {
        TinyClassifier m = new TinyClassifier(Device.cpu(), 6, 16, 3, 0.1f, 3, Set.copyOf(TinyClassifier.ALL));
        TrainingResult r = Trainer.builder().listeners().optimizer(AdamW.lr(1e-3)).maxSteps(Long.getLong("steps", 2000)).batchSize(4)
                .clipGradNorm(1.0)
                .listener(new TrainingListener() {
                    @Override
                    public void onStep(StepEvent s) {
                        if (s.step() % Long.getLong("every", 20) == 0) {
                            System.gc();
                            System.out.println("rss " + s.step() + " " + MemoryStats.residentMb().getAsLong() + " heap " + (Runtime.getRuntime().totalMemory() >> 20));
                        }
                    }
                }).build().fit(m, TinyClassifier.data(64, 6, 3, 1));
        System.out.println("steps " + r.steps());
    }
}
