package dev.mmpeft.core.train.testing;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.listener.StepEvent;
import dev.mmpeft.core.train.listener.TrainingListener;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.schedule.Schedules;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A training run in its own JVM, for the kill-and-resume test: trains the tiny model (with
 * dropout) into OUTPUT_DIR with a checkpoint every step, prints "step N" after each step, sleeps
 * SLEEP_MS per step so the parent can kill it mid-run, and writes the final trainable tensors to
 * OUTPUT_DIR/final.safetensors.
 *
 * <p>Usage: {@code KillableRun OUTPUT_DIR SLEEP_MS}
 */
public final class KillableRun {
    private KillableRun() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        long sleep = Long.parseLong(args[1]);
        TinyClassifier model = new TinyClassifier(Device.cpu(), 6, 16, 3, 0.2f, 99, Set.copyOf(TinyClassifier.ALL));
        Trainer.builder()
                .listeners()
                .optimizer(AdamW.lr(0.01).weightDecay(0.05))
                .schedule(Schedules.lavisWarmupCosine(3, 1e-4, 1e-4))
                .epochs(4)
                .batchSize(4)
                .gradientAccumulation(2)
                .clipGradNorm(1.0)
                .checkpointEvery(1)
                .outputDir(out.resolve("run"))
                .listener(new TrainingListener() {
                    @Override
                    public void onStep(StepEvent s) {
                        System.out.println("step " + s.step());
                        System.out.flush();
                        if (sleep > 0) {
                            try {
                                Thread.sleep(sleep);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }
                })
                .build()
                .fit(model, TinyClassifier.data(64, 6, 3, 1));
        Map<String, NDArray> t = new LinkedHashMap<>();
        model.trainableParameters().forEach((k, v) -> t.put(k, v.getArray()));
        SafetensorsWriter.write(out.resolve("final.safetensors"), t);
        System.out.println("done");
    }
}
