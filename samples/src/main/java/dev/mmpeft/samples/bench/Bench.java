package dev.mmpeft.samples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.train.ActivationCheckpointing;
import dev.mmpeft.core.train.Autograd;
import dev.mmpeft.core.train.MemoryStats;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.listener.StepEvent;
import dev.mmpeft.core.train.listener.TrainingListener;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftConfig;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.peft.lora.LoraConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/** Runs the training benchmark once and returns its numbers. */
public final class Bench {
    /**
     * LoRA targets of the benchmark (full match on module names): every Q-Former linear, and the
     * T5 q, v (self- and cross-attention), wi_0, wi_1, wo.
     */
    public static final String LORA_TARGETS =
            "qformer\\.encoder\\.layer\\.\\d+\\.(attention|crossattention)\\.(attention\\.(query|key|value)|output\\.dense)"
                    + "|qformer\\.encoder\\.layer\\.\\d+\\.(intermediate|output|intermediate_query|output_query)\\.dense"
                    + "|language_model\\.(encoder|decoder)\\.block\\.\\d+\\.layer\\.\\d+\\."
                    + "(SelfAttention\\.(q|v)|EncDecAttention\\.(q|v)|DenseReluDense\\.(wi_0|wi_1|wo))";

    private Bench() {}

    /**
     * LoRA (or with {@code dora}, DoRA) at rank r and alpha on the benchmark's targets
     * ({@link #LORA_TARGETS}); with {@code connector}, {@code language_projection} trains in full too.
     */
    public static PeftConfig lora(int rank, double alpha, boolean dora, boolean connector) {
        var lora = Peft.lora().rank(rank).alpha(alpha).dora(dora).targetRegex(LORA_TARGETS);
        if (connector) {
            lora.train(Component.LANGUAGE_PROJECTION);
        }
        return lora.build();
    }

    /** The bench model under training: the network, what trains, and the PEFT model to close (null for full fine-tuning). */
    private record Prepared(InstructBlip net, Map<String, Parameter> trainable, @org.jspecify.annotations.Nullable PeftModel<InstructBlip> peft) {}

    private static Prepared prepare(BenchSettings s, InstructBlip base) {
        if (s.full()) {
            Map<String, Parameter> trainable = new LinkedHashMap<>(base.namedParameters());
            trainable.values().forEach(p -> p.getArray().setRequiresGradient(true));
            return new Prepared(base, trainable, null);
        }
        PeftModel<InstructBlip> peft = PeftModel.adapt(Adaptables.instructBlip(base), s.adapter().orElseThrow(), 0);
        return new Prepared(peft.model(), peft.trainableParameters(), peft);
    }

    /**
     * Profiles {@code s}'s training steps with PyTorch's profiler: {@code s.warmup()} steps unprofiled,
     * then {@code s.steps()} steps recorded; the Chrome trace goes to {@code trace}.
     */
    public static OpProfile profile(BenchSettings s, Path trace) {
        try (InstructBlip base = InstructBlip.random(s.config(), s.seed(), 0.02f, s.device())) {
            Prepared p = prepare(s, base);
            try {
                BenchModel model = new BenchModel(p.net(), p.trainable(), s.promptTokens(), s.answerTokens());
                if (s.warmup() > 0) {
                    trainer(s, s.warmup(), e -> {}).fit(model, IntStream.range(0, s.batch()).boxed().toList());
                }
                return OpProfile.record(trace,
                        () -> trainer(s, s.steps(), e -> {}).fit(model, IntStream.range(0, s.batch()).boxed().toList()));
            } finally {
                if (p.peft() != null) {
                    p.peft().close();
                }
            }
        }
    }

    /** One benchmark run: matmul probe, forward, forward+backward, then training steps. */
    public static BenchResult run(BenchSettings s) {
        double matmul = MatmulProbe.gflops(s.matmulSize(), 5, s.device());
        InstructBlipConfig config = s.config();
        try (InstructBlip base = InstructBlip.random(config, s.seed(), 0.02f, s.device())) {
            Prepared prepared = prepare(s, base);
            InstructBlip net = prepared.net();
            Map<String, Parameter> trainable = prepared.trainable();
            PeftModel<InstructBlip> peft = prepared.peft();
            long total = base.namedParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
            if (!s.full()) {
                total += trainable.values().stream().mapToLong(p -> p.getArray().size()).sum();
            }
            long trainableCount = trainable.values().stream().mapToLong(p -> p.getArray().size()).sum();
            BenchModel model = new BenchModel(net, trainable, s.promptTokens(), s.answerTokens());

            double[] passes = forwardAndBackwardSeconds(model, trainable, s, peft);
            double forward = passes[0];
            double forwardBackward = passes[1];
            long[] peakGpu = {-1};
            double[] lastLoss = {Double.NaN};
            List<Double> stepSeconds = trainStepSeconds(model, s, peakGpu, lastLoss);
            double[] timed = stepSeconds.subList(s.warmup(), stepSeconds.size()).stream().mapToDouble(d -> d).toArray();
            double trainStep = median(timed);
            // methods on the language model alone need no backward pass through the Q-Former
            boolean qformerTrains = trainable.keySet().stream().anyMatch(n -> n.contains("qformer"));
            double fbFlops = BenchFlops.forwardBackward(config, s.batch(), s.promptTokens(), s.answerTokens(), s.full(), qformerTrains);
            if (peft != null) {
                peft.close();
            }
            // LoRA and DoRA report their rank and alpha; the other methods their size
            Optional<LoraConfig> lora = s.adapter().filter(LoraConfig.class::isInstance).map(LoraConfig.class::cast);
            return new BenchResult(
                    s.method(),
                    s.size(),
                    lora.map(LoraConfig::r).orElse(0),
                    lora.map(LoraConfig::loraAlpha).orElse(0.0),
                    s.batch(),
                    s.promptTokens(),
                    s.answerTokens(),
                    s.steps(),
                    trainStep,
                    forward,
                    passes[2],
                    forwardBackward,
                    s.batch() / trainStep,
                    MemoryStats.peakResidentMb().orElse(-1),
                    total,
                    trainableCount,
                    matmul,
                    BenchFlops.forward(config, s.batch(), s.promptTokens(), s.answerTokens()) / 1e9,
                    fbFlops / 1e9,
                    fbFlops / forwardBackward / 1e9,
                    JniUtils.getNumThreads(),
                    System.getenv().getOrDefault("OMP_WAIT_POLICY", "default"),
                    s.device().toString(),
                    s.precision().toString(),
                    peakGpu[0],
                    lastLoss[0],
                    s.activationCheckpointing());
        }
    }

    /**
     * Median seconds of a forward pass alone (no graph), of forward + backward (no optimizer), and,
     * with a PEFT model, of the same forward with its adapters disabled: the plain model's forward,
     * timed alternately with the adapted one so both see the machine in the same state (-1 without).
     */
    private static double[] forwardAndBackwardSeconds(BenchModel model, Map<String, Parameter> trainable, BenchSettings s,
            @org.jspecify.annotations.Nullable PeftModel<InstructBlip> peft) {
        model.setTraining(true);
        Runnable forwardPass = () -> {
            try (Autograd.GradMode off = Autograd.gradMode(false); NDManager scope = NDManager.newBaseManager(s.device().toDjl())) {
                model.loss(s.batch(), scope).getFloat();
            }
        };
        double[] adapted = new double[s.steps()];
        double[] plain = new double[s.steps()];
        for (int i = -s.warmup(); i < s.steps(); i++) {
            double t = seconds(forwardPass);
            if (i >= 0) {
                adapted[i] = t;
            }
            if (peft != null) {
                try (var disabled = peft.disableAdapters()) {
                    t = seconds(forwardPass);
                }
                if (i >= 0) {
                    plain[i] = t;
                }
            }
        }
        double forwardBackward = median(s.warmup(), s.steps(), () -> {
            try (NDManager scope = NDManager.newBaseManager(s.device().toDjl())) {
                NDArray loss;
                try (Autograd.GradMode on = Autograd.gradMode(true);
                        ActivationCheckpointing.Session checkpoints = s.activationCheckpointing() ? ActivationCheckpointing.open(scope) : null) {
                    loss = model.loss(s.batch(), scope);
                    if (checkpoints == null) {
                        Autograd.backward(loss);
                    } else {
                        checkpoints.backward(loss);
                    }
                }
                loss.getFloat();
            }
            trainable.values().forEach(p -> Autograd.zeroGradient(p.getArray()));
        });
        return new double[] {median(adapted), forwardBackward, peft == null ? -1 : median(plain)};
    }

    private static double seconds(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Seconds of every training step through the SDK's trainer (AdamW, clipping, per-step scopes). */
    private static List<Double> trainStepSeconds(BenchModel model, BenchSettings s, long[] peakGpu, double[] lastLoss) {
        List<Double> stepSeconds = new ArrayList<>();
        trainer(s, s.warmup() + s.steps(), e -> {
            stepSeconds.add(e.stepSeconds());
            lastLoss[0] = e.loss();
            MemoryStats.gpuUsedMb(s.device()).ifPresent(mb -> peakGpu[0] = Math.max(peakGpu[0], mb));
        }).fit(model, IntStream.range(0, s.batch()).boxed().toList());
        return stepSeconds;
    }

    /**
     * The bench's training setup, shared by the step and epoch benchmarks: AdamW (lr 1e-4, weight
     * decay 0.05), clipping at 1.0, {@code s}'s batch, seed and device, no console listeners.
     */
    static Trainer.Builder trainerSettings(BenchSettings s) {
        return Trainer.builder()
                .listeners()
                .optimizer(AdamW.lr(1e-4).weightDecay(0.05))
                .batchSize(s.batch())
                .clipGradNorm(1.0)
                .seed(s.seed())
                .devices(s.device())
                .activationCheckpointing(s.activationCheckpointing());
    }

    /** The bench's trainer (AdamW, clipping, per-step scopes) for {@code steps} steps, each reported to {@code onStep}. */
    private static Trainer trainer(BenchSettings s, int steps, java.util.function.Consumer<StepEvent> onStep) {
        return trainerSettings(s)
                .maxSteps(steps)
                .mixedPrecision(s.precision())
                .listener(new TrainingListener() {
                    @Override
                    public void onStep(StepEvent e) {
                        onStep.accept(e);
                    }
                })
                .build();
    }

    private static double median(int warmup, int runs, Runnable r) {
        double[] t = new double[runs];
        for (int i = -warmup; i < runs; i++) {
            double seconds = seconds(r);
            if (i >= 0) {
                t[i] = seconds;
            }
        }
        return median(t);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
