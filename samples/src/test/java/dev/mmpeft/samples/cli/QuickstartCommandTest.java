package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.datasets.prompt.PromptTemplates;
import dev.mmpeft.experiments.TaskCard;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main job, end to end: {@code ./mmpeft quickstart} with no flags runs on the embedded
 * default model and the synthetic shifted task, goes from near chance to (almost) perfect, and
 * leaves the adapter, the report and the plots; {@code evaluate --model embedded --adapter} then
 * gives the quickstart's numbers, and {@code train} with its defaults the quickstart's adapter.
 */
class QuickstartCommandTest {
    private static final Pattern ACCURACY = Pattern.compile("(zero-shot|fine-tuned) accuracy: +([0-9.]+)%");

    @TempDir static Path cache;

    @BeforeAll
    static void isolate() {
        SmallTask.isolateCache(cache);
    }

    @Test
    void quickstartWithDefaultsImprovesFromChanceAndWritesReportsAndAdapter(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("qs");
        CliRunner r = CliRunner.run("quickstart", "--output", out.toString());
        assertEquals(0, r.code(), r.toString());
        double zeroShot = -1;
        double fineTuned = -1;
        Matcher m = ACCURACY.matcher(r.out());
        while (m.find()) {
            double v = Double.parseDouble(m.group(2));
            if (m.group(1).equals("zero-shot")) {
                zeroShot = v;
            } else {
                fineTuned = v;
            }
        }
        System.out.printf(Locale.ROOT, "quickstart: zero-shot %.2f%%, fine-tuned %.2f%%%n", zeroShot, fineTuned);
        assertTrue(zeroShot >= 0 && zeroShot <= 40, "zero-shot should be near chance (25%), got " + zeroShot);
        assertTrue(fineTuned >= 90, "fine-tuned should be >= 90%, got " + fineTuned);
        assertTrue(r.out().contains("trainable params: 6,528 || all params: 392,672 || trainable%: 1.6625"), r.out());
        assertTrue(r.out().contains("output folder: " + out.toAbsolutePath()), r.out());

        for (String f : new String[] {"adapter/adapter_config.json", "adapter/adapter_model.safetensors", "report.md",
                "summary.json", "zero-shot/result.json", "fine-tuned/result.md", "comparison/comparison.csv",
                "training/metrics.jsonl", "training/provenance.json", "trainable-parameters.txt"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), "missing " + f);
        }
        for (String png : new String[] {"training/loss_curve.png", "comparison/comparison.png"}) {
            BufferedImage image = ImageIO.read(out.resolve(png).toFile());
            assertTrue(image != null && image.getWidth() > 400 && image.getHeight() > 300, png + " is not a readable plot");
        }
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains(String.format(Locale.ROOT, "| zero-shot | %.2f%% |", zeroShot)), report);
        assertTrue(report.contains(String.format(Locale.ROOT, "| fine-tuned | %.2f%% |", fineTuned)), report);
        String adapterConfig = Files.readString(out.resolve("adapter/adapter_config.json"));
        assertTrue(adapterConfig.contains("\"peft_type\" : \"LORA\"") && adapterConfig.contains("\"r\" : 2"), adapterConfig);
        // the adapter says how it was trained, and PEFT's own config stays PEFT's
        TaskCard card = TaskCard.read(out.resolve("adapter")).orElseThrow();
        assertEquals(PromptTemplates.scienceQaAnswerText(), card.template());
        assertEquals(TaskCard.AnswerFormat.OPTION_TEXT, card.answerFormat());
        assertFalse(adapterConfig.contains("template"), adapterConfig);

        // the README's check of the quickstart's adapter: the same numbers, to the printed digit
        CliRunner eval = CliRunner.run("evaluate", "--model", "embedded", "--adapter", out.resolve("adapter").toString(), "--data",
                out.resolve("data").toString());
        assertEquals(0, eval.code(), eval.toString());
        assertTrue(eval.out().contains("template: scienceqa-answer-text (recorded in " + out.resolve("adapter")), eval.out());
        assertEquals(String.format(Locale.ROOT, "%.2f", fineTuned), headline(eval), eval.out());
        CliRunner base = CliRunner.run("evaluate", "--model", "embedded", "--data", out.resolve("data").toString());
        assertEquals(0, base.code(), base.toString());
        assertEquals(String.format(Locale.ROOT, "%.2f", zeroShot), headline(base), base.out());

        // train with every default, on the same data and model: the same recipe, so the same adapter and accuracy
        CliRunner train = CliRunner.run("train", "--model", "embedded", "--data", out.resolve("data").toString(), "--output",
                tmp.resolve("train").toString());
        assertEquals(0, train.code(), train.toString());
        assertTrue(train.out().contains(String.format(Locale.ROOT, "lora-qformer_cross_attn+llm_ffn-r2 on the test split (6,528 trainable"
                + " parameters):%n  accuracy: %.2f%%", fineTuned)), train.out());
    }

    private static String headline(CliRunner r) {
        Matcher m = Pattern.compile("split 'test' \\(120 examples\\): ([0-9.]+)%").matcher(r.out());
        assertTrue(m.find(), r.out());
        return m.group(1);
    }

    @Test
    void badInputGivesOneLineAndNonZeroExit(@TempDir Path tmp) throws Exception {
        CliRunner missing = CliRunner.run("quickstart", "--output", tmp.resolve("a").toString(), "--model",
                tmp.resolve("no-such-model").toString());
        assertEquals(1, missing.code(), missing.toString());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        assertTrue(missing.err().contains("no-such-model"), missing.err());

        CliRunner component = CliRunner.run("quickstart", "--output", tmp.resolve("b").toString(), "--target", "QFORMER_NOPE");
        assertEquals(2, component.code(), component.toString());
        assertTrue(component.errLines().get(0).startsWith("mmpeft quickstart: --target: "), component.err());
        assertTrue(component.err().contains("unknown component 'QFORMER_NOPE'"), component.err());

        Path corrupt = tmp.resolve("corrupt");
        Files.createDirectories(corrupt);
        Files.copy(dev.mmpeft.samples.quickstart.DefaultModel.directory().resolve("config.json"), corrupt.resolve("config.json"));
        Files.write(corrupt.resolve("model.safetensors"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        CliRunner broken = CliRunner.run("quickstart", "--output", tmp.resolve("c").toString(), "--model", corrupt.toString());
        assertEquals(1, broken.code(), broken.toString());
        assertEquals(1, broken.err().strip().lines().count(), broken.err());
        assertTrue(broken.err().contains("model.safetensors"), broken.err());

        CliRunner flags = CliRunner.run("quickstart", "--rank", "two");
        assertEquals(2, flags.code(), flags.toString());
    }
}
