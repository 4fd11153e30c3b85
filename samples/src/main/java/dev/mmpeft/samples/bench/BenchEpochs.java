package dev.mmpeft.samples.bench;

import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.train.MemoryStats;
import dev.mmpeft.core.train.listener.EpochEvent;
import dev.mmpeft.core.train.listener.StepEvent;
import dev.mmpeft.core.train.listener.TrainingListener;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.IntStream;

/**
 * The epoch benchmark ({@code ./mmpeft bench --epochs N}): a Q-Former-target LoRA trained for N
 * epochs over a fixed set of synthetic examples, once with the frozen-feature cache and once
 * without, in the same process. Why both: under a shared, loaded machine only figures measured
 * side by side are comparable; and the two runs' losses must agree (the cache changes no number).
 */
public final class BenchEpochs {
    /** LoRA targets of the epoch benchmark: every Q-Former linear (the vision encoder stays frozen). */
    public static final String QFORMER_TARGETS =
            "qformer\\.encoder\\.layer\\.\\d+\\.(attention|crossattention)\\.(attention\\.(query|key|value)|output\\.dense)"
                    + "|qformer\\.encoder\\.layer\\.\\d+\\.(intermediate|output|intermediate_query|output_query)\\.dense";

    private BenchEpochs() {}

    /** Seconds per epoch and loss per step of one run. */
    public record Run(List<Double> epochSeconds, List<Double> losses) {
        /** Epoch 1's seconds over the mean of the later epochs' (NaN with a single epoch). */
        public double laterEpochSpeedup() {
            return epochSeconds.isEmpty() ? Double.NaN : epochSeconds.get(0) / laterEpochSeconds();
        }

        /** The mean seconds of epochs 2..N (NaN with a single epoch). */
        public double laterEpochSeconds() {
            if (epochSeconds.size() < 2) {
                return Double.NaN;
            }
            return epochSeconds.subList(1, epochSeconds.size()).stream().mapToDouble(d -> d).average().orElse(Double.NaN);
        }
    }

    /** Both runs (with and without the cache) of {@code epochs} epochs over {@code examples} examples. */
    public record Result(BenchSettings settings, int epochs, int examples, Run withCache, Run withoutCache, double loadBefore) {
        /** The largest absolute difference between the two runs' step losses. */
        public double maxLossDifference() {
            double max = 0;
            for (int i = 0; i < withCache.losses().size(); i++) {
                max = Math.max(max, Math.abs(withCache.losses().get(i) - withoutCache.losses().get(i)));
            }
            return max;
        }

        /** One JSON line. */
        public String toJsonLine() {
            ObjectMapper m = new ObjectMapper();
            ObjectNode n = m.createObjectNode();
            n.put("mode", "epochs");
            n.put("targets", "qformer");
            n.put("rank", settings.rank());
            n.put("batch", settings.batch());
            n.put("prompt_tokens", settings.promptTokens());
            n.put("answer_tokens", settings.answerTokens());
            n.put("epochs", epochs);
            n.put("examples", examples);
            n.set("with_cache", run(m, withCache));
            n.set("without_cache", run(m, withoutCache));
            n.put("later_epochs_speedup_with_cache", round(withCache.laterEpochSpeedup()));
            n.put("later_epochs_speedup_without_cache", round(withoutCache.laterEpochSpeedup()));
            // what the cache alone buys: the same later epochs, computed and read back
            n.put("later_epochs_cached_vs_uncached", round(withoutCache.laterEpochSeconds() / withCache.laterEpochSeconds()));
            n.put("max_loss_difference", maxLossDifference());
            n.put("peak_rss_mb", MemoryStats.peakResidentMb().orElse(-1));
            n.put("load_average_before", round(loadBefore));
            n.put("load_average_after", round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
            return n.toString();
        }

        private static ObjectNode run(ObjectMapper m, Run r) {
            ObjectNode o = m.createObjectNode();
            ArrayNode s = o.putArray("epoch_seconds");
            r.epochSeconds().forEach(x -> s.add(round(x)));
            ArrayNode l = o.putArray("losses");
            r.losses().forEach(l::add);
            return o;
        }

        private static double round(double x) {
            return Double.isFinite(x) ? Double.parseDouble(String.format(Locale.ROOT, "%.4f", x)) : x;
        }
    }

    /** Runs without the cache first (so the cached run cannot profit from a warmer machine), then with it. */
    public static Result run(BenchSettings s, int epochs, int examples) {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Run without = train(s, epochs, examples, false);
        Run with = train(s, epochs, examples, true);
        return new Result(s, epochs, examples, with, without, load);
    }

    /** One run of {@code epochs} epochs, the cache on or off. */
    public static Run train(BenchSettings s, int epochs, int examples, boolean reuse) {
        try (InstructBlip base = InstructBlip.random(s.config(), s.seed(), 0.02f, s.device());
                PeftModel<InstructBlip> peft = Peft.lora().rank(s.rank()).alpha(s.alpha()).targetRegex(QFORMER_TARGETS).on(base)) {
            Map<String, Parameter> trainable = peft.trainableParameters();
            BenchModel model = new BenchModel(peft.model(), trainable, s.promptTokens(), s.answerTokens(), OptionalLong.of(s.seed()));
            List<Double> epochSeconds = new ArrayList<>();
            List<Double> losses = new ArrayList<>();
            Bench.trainerSettings(s)
                    .epochs(epochs)
                    .reuseFrozenFeatures(reuse)
                    .listener(new TrainingListener() {
                        @Override
                        public void onStep(StepEvent e) {
                            losses.add(e.loss());
                        }

                        @Override
                        public void onEpochEnd(EpochEvent e) {
                            epochSeconds.add(e.seconds());
                        }
                    })
                    .build()
                    .fit(model, IntStream.range(0, examples).boxed().toList());
            return new Run(epochSeconds, losses);
        }
    }
}
