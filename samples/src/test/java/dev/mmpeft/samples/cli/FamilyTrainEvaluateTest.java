package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.ScienceQa;
import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import dev.mmpeft.models.lavin.LavinPresets;
import dev.mmpeft.models.llava.LlavaPresets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} and {@code evaluate} on the LLaVA and LaVIN families, as on InstructBLIP: a tiny
 * model of each family is fine-tuned on the small shifted task (LLaVA: LoRA on the whole LLM by
 * default; LaVIN: its MM-Adapter by default, on batches that mix text-only and image questions),
 * and {@code evaluate --adapter} on the saved adapter gives the accuracy the run reported, while
 * {@code evaluate} on the base gives its zero-shot score. Why: one API and CLI for every family.
 */
class FamilyTrainEvaluateTest {
    private static final Pattern WORD = Pattern.compile("\\w+|[^\\w\\s]+");

    @TempDir static Path tmp;
    static Path data;

    @BeforeAll
    static void writeTask() {
        data = SmallTask.write(tmp.resolve("data"));
    }

    /** Every word the task's prompts, options and targets use under {@code templates}, lower-cased. */
    static List<String> words(List<PromptTemplate> templates, String... extra) {
        TreeSet<String> words = new TreeSet<>(List.of(extra));
        for (String split : List.of("train", "val", "test")) {
            for (PromptTemplate t : templates) {
                for (Prompt p : t.renderAll(ScienceQa.reader().root(data).split(split).readAll())) {
                    List<String> texts = new ArrayList<>(p.candidates());
                    texts.add(p.instruction());
                    texts.add(p.input());
                    p.target().ifPresent(texts::add);
                    for (String text : texts) {
                        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
                        while (m.find()) {
                            words.add(m.group());
                        }
                    }
                }
            }
        }
        return List.copyOf(words);
    }

    private static JsonNode trainThenEvaluate(Path model, String slug, String... flags) {
        Path out = tmp.resolve("run-" + slug);
        List<String> args = new ArrayList<>(List.of("train", "--model", model.toString(), "--data", data.toString(), "--output",
                out.toString(), "--epochs", "2", "--zero-shot", "--all"));
        args.addAll(List.of(flags));
        CliRunner train = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, train.code(), train.toString());
        JsonNode summary = Json.read(out.resolve("summary.json"));
        assertEquals(slug, summary.get("setting").asText());
        assertTrue(Files.isRegularFile(out.resolve("adapter/adapter_config.json")), "adapter written");

        CliRunner eval = CliRunner.run("evaluate", "--model", model.toString(), "--adapter", out.resolve("adapter").toString(),
                "--data", data.toString(), "--all");
        assertEquals(0, eval.code(), eval.toString());
        Matcher m = Pattern.compile("\\(24 examples\\): ([0-9.]+)%").matcher(eval.out());
        assertTrue(m.find(), eval.out());
        assertEquals(String.format(Locale.ROOT, "%.2f", summary.get("accuracy").asDouble()), m.group(1),
                "evaluate --adapter vs the training's own test score");

        CliRunner base = CliRunner.run("evaluate", "--model", model.toString(), "--data", data.toString(), "--all");
        assertEquals(0, base.code(), base.toString());
        Matcher z = Pattern.compile("\\(24 examples\\): ([0-9.]+)%").matcher(base.out());
        assertTrue(z.find(), base.out());
        assertEquals(summary.get("zero_shot_accuracy").asDouble(), Double.parseDouble(z.group(1)), 0.005,
                "evaluate without adapter vs the training's zero-shot score");
        return summary;
    }

    @Test
    void llavaTrainsLoraOnItsLanguageModelAndEvaluatesItsAdapter() throws Exception {
        Path model = tmp.resolve("tiny-llava");
        LlavaPresets.writeTiny(model, words(List.of(PromptTemplates.scienceQa()), "user", "assistant", ":"), 3, 0.3f);
        JsonNode summary = trainThenEvaluate(model, "lora-llm_all-r2");
        assertTrue(summary.get("trainable_parameters").asLong() > 0);
    }

    /** The empirical study's sweep on a LLaVA model: four methods x connector frozen/tuned, its table and plot. */
    @Test
    void theStudySweepRunsOnALlavaModel() throws Exception {
        Path model = tmp.resolve("tiny-llava-study");
        LlavaPresets.writeTiny(model, words(List.of(PromptTemplates.scienceQa()), "user", "assistant", ":"), 5, 0.3f);
        Path out = tmp.resolve("study");
        CliRunner sweep = CliRunner.run("sweep", "--model", model.toString(), "--data", data.toString(), "--output", out.toString(),
                "--methods", "lora,ia3,adapter,prefix", "--connector", "frozen,tuned", "--epochs", "1");
        assertEquals(0, sweep.code(), sweep.toString());
        assertTrue(sweep.out().contains("sweep: 9 cells (9 run now, 0 done before)"), sweep.out());
        List<String> rows = Files.readAllLines(out.resolve("methods.csv"));
        assertEquals(9, rows.size(), String.join("\n", rows)); // header + LoRA, IA3, Adapter, Prefix x frozen, tuned
        for (String method : List.of("LoRA", "IA3", "Adapter", "Prefix")) {
            assertTrue(rows.stream().anyMatch(r -> r.startsWith(method + ",")), method + " in " + rows);
        }
        assertTrue(Files.size(out.resolve("accuracy-vs-parameters.png")) > 1000);
        // the tuned connector is the projector: its 2-layer MLP's parameters on top of each method's own
        JsonNode frozen = Json.read(out.resolve("cells/ia3/summary.json"));
        JsonNode tuned = Json.read(out.resolve("cells/ia3-connector/summary.json"));
        dev.mmpeft.core.config.LlavaConfig config = dev.mmpeft.core.config.Configs.read(model, dev.mmpeft.core.config.LlavaConfig.class);
        long vision = config.visionConfig().hiddenSize();
        long text = config.textConfig().hiddenSize();
        assertEquals(vision * text + text + text * text + text,
                tuned.get("trainable_parameters").asLong() - frozen.get("trainable_parameters").asLong());
    }

    @Test
    void lavinTrainsItsMmAdapterOnMixedBatchesAndEvaluatesIt() throws Exception {
        Path model = tmp.resolve("tiny-lavin");
        LavinPresets.writeTiny(model, words(List.of(PromptTemplates.scienceQa()), "image", ":", "n", "/", "a"), 4, 0.3f);
        JsonNode summary = trainThenEvaluate(model, "mm-adapter");
        assertTrue(summary.get("trainable_parameters").asLong() > 0);
    }
}
