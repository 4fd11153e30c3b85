package dev.mmpeft.samples.serve;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.Component;
import dev.mmpeft.datasets.synthetic.SceneRenderer;
import dev.mmpeft.datasets.synthetic.Shape;
import dev.mmpeft.datasets.synthetic.ShapeColor;
import dev.mmpeft.datasets.synthetic.ShapeKind;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.processing.RgbImage;
import dev.mmpeft.peft.AdaptableModel;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.peft.lora.InitLoraWeights;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Five adapters for trying the service on any InstructBLIP model without training: three LoRA
 * adapters of different targets and ranks, one IA3 adapter and a fifth LoRA (the one the load test
 * loads and unloads), in the PEFT layout, with seeded random values so that each one answers
 * differently (their answers are not meant to be good, only distinct and reproducible). Plus the
 * demo questions: coloured shapes like the embedded default model's pre-training pictures.
 */
public final class DemoAdapters {
    /** The four adapters the load test's clients use. */
    public static final List<String> SERVED = List.of("lora-1", "lora-2", "lora-3", "ia3-1");
    /** The adapter the load test loads and unloads while it runs. */
    public static final String CHURN = "lora-5";

    private DemoAdapters() {}

    /** Writes the five adapters into {@code dir/<name>} for {@code model} named {@code baseModelName}; returns their folders. */
    public static Map<String, Path> write(InstructBlip model, InstructBlipProcessor processor, String baseModelName, Path dir)
            throws IOException {
        AdaptableModel<InstructBlip> base = Adaptables.instructBlip(model, processor, baseModelName);
        Map<String, Path> out = new LinkedHashMap<>();
        out.put("lora-1", save(dir, "lora-1", lora(base, 4, 1, Component.QFORMER_ALL, Component.LLM_ATTN)));
        out.put("lora-2", save(dir, "lora-2", lora(base, 8, 2, Component.LLM_ALL)));
        out.put("lora-3", save(dir, "lora-3", lora(base, 2, 3, Component.LLM_FFN, Component.QFORMER_CROSS_ATTN)));
        PeftModel<InstructBlip> ia3 = Peft.ia3().target(Component.QFORMER_ALL, Component.LLM_ALL).on(base);
        SplittableRandom r = new SplittableRandom(4);
        for (NDArray t : ia3.adapterTensors(PeftModel.DEFAULT_ADAPTER).values()) {
            float[] v = new float[(int) t.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) Math.exp(IA3_LOG_STD * Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble()));
            }
            t.set(FloatBuffer.wrap(v));
        }
        out.put("ia3-1", save(dir, "ia3-1", ia3));
        out.put(CHURN, save(dir, CHURN, lora(base, 4, 5, Component.LLM_ATTN, Component.LANGUAGE_PROJECTION)));
        return out;
    }

    /**
     * How much the LoRA B matrices are scaled up from their random initialisation: at 1 the default
     * model's answers do not change at all (it is confident on its colour questions), at 4 each
     * adapter answers differently, which is what makes the load test's isolation check meaningful.
     */
    static final float LORA_B_SCALE = 4f;

    /** Standard deviation of the log of the IA3 vectors (log-normal around 1, so positive). */
    static final double IA3_LOG_STD = Double.parseDouble(System.getProperty("demo.ia3", "1.0"));

    private static PeftModel<InstructBlip> lora(AdaptableModel<InstructBlip> base, int rank, long seed, Component... targets) {
        PeftModel<InstructBlip> p = Peft.lora().rank(rank).alpha(rank).initLoraWeights(InitLoraWeights.RANDOM).seed(seed).target(targets).on(base);
        p.adapterTensors(PeftModel.DEFAULT_ADAPTER).forEach((k, v) -> {
            if (k.contains("lora_B")) {
                v.muli(LORA_B_SCALE);
            }
        });
        return p;
    }

    private static Path save(Path dir, String name, PeftModel<InstructBlip> peft) throws IOException {
        try (peft) {
            Path out = dir.resolve(name);
            peft.save(out, PeftModel.DEFAULT_ADAPTER);
            return out;
        }
    }

    /** A demo question: an image and a prompt. */
    public record Question(RgbImage image, String prompt) {}

    /**
     * Eight questions about single coloured shapes (the default model's pre-training task), in the
     * ScienceQA prompt format the default model was trained with.
     */
    public static List<Question> questions(int imageSize) {
        ShapeColor[] colors = ShapeColor.values();
        ShapeKind[] kinds = ShapeKind.values();
        List<Question> out = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ShapeColor color = colors[i % colors.length];
            RgbImage image = RgbImage.of(SceneRenderer.render(List.of(new Shape(kinds[i % kinds.length], color, 0.5, 0.5, 0.6)), imageSize));
            StringBuilder options = new StringBuilder();
            for (int o = 0; o < 4; o++) {
                options.append(o == 0 ? "" : " ").append("(").append((char) ('A' + o)).append(") ")
                        .append(colors[(i + o) % colors.length].word());
            }
            out.add(new Question(image, "Context: N/A Question: What color is the shape? Options: " + options + " Answer:"));
        }
        return out;
    }
}
