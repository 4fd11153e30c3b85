package dev.mmpeft.spark.cli;

import dev.mmpeft.core.Component;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.Sweep;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.spark.SparkJobException;
import dev.mmpeft.spark.SparkSweep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/**
 * {@code spark-submit --class dev.mmpeft.spark.cli.SweepMain sdk-spark-app.jar --model DIR --data DIR --output URI ...}:
 * the papers' component x rank grid as one Spark job, with the flags and defaults of {@code ./mmpeft sweep}.
 */
public final class SweepMain {
    static final String USAGE = String.join("\n",
            "Usage: spark-submit [spark options] --class dev.mmpeft.spark.cli.SweepMain sdk-spark-app.jar",
            "  --model DIR           Hugging Face InstructBLIP directory (same path on every executor)",
            "  --model-id ID         how reports name the model (default: the directory path, as ./mmpeft sweep --model)",
            "  --data DIR            dataset folder (same path on every executor)",
            "  --format F            scienceqa, iconqa or jsonl (default scienceqa)",
            "  --synthetic T,V,E     write the quickstart's synthetic shifted task with T/V/E train/val/test records to --data first",
            "  --output URI          output folder: a local path or a Hadoop filesystem URI",
            "  --components ROWS     component sets: ',' separates rows, '+' joins (default: the papers' eight)",
            "  --ranks R1,R2         LoRA ranks (default 1,2,4,8)",
            "  --no-full             leave out full Q-Former fine-tuning",
            "  --no-zero-shot        leave out the zero-shot baseline",
            "  --lr LR --full-lr LR --epochs N --batch-size N --patience N   the recipe (defaults as ./mmpeft sweep: 5e-3, 1e-3, 15, 16, 3)");

    private SweepMain() {}

    public static void main(String[] args) {
        MainArgs.run("SweepMain", USAGE, args, SweepMain::sweep);
    }

    static void sweep(String[] argv) throws Exception {
        MainArgs a = MainArgs.parse("SweepMain", argv,
                Set.of("--model", "--model-id", "--data", "--format", "--synthetic", "--output", "--components", "--ranks", "--lr",
                        "--full-lr", "--epochs", "--batch-size", "--patience"),
                Set.of("--no-full", "--no-zero-shot"));
        Path model = a.path("--model");
        Path data = a.path("--data");
        if (a.get("--synthetic").isPresent() && !Files.isDirectory(data)) {
            List<Integer> sizes = a.integers("--synthetic", List.of());
            if (sizes.size() != 3) {
                throw new SparkJobException("SweepMain: --synthetic needs three sizes TRAIN,VAL,TEST, got '"
                        + a.require("--synthetic") + "'");
            }
            // the quickstart's task (seed, variant, image size) at the sizes asked for
            SyntheticDataset.builder().seed(2026).variant(Variant.SHIFTED).train(sizes.get(0)).val(sizes.get(1)).test(sizes.get(2))
                    .imageSize(56).build().writeScienceQa(data);
        }
        TaskData task = TaskData.of(a.get("--format").orElse("scienceqa"), data);
        Sweep.Grid papers = Sweep.Grid.papers();
        List<Set<Component>> rows = a.get("--components").map(SweepMain::parseRows).orElse(papers.componentSets());
        Sweep.Grid grid = new Sweep.Grid(rows, a.integers("--ranks", papers.ranks()), !a.on("--no-full"), !a.on("--no-zero-shot"));
        int epochs = a.integer("--epochs", 15);
        int batch = a.integer("--batch-size", 16);
        int patience = a.integer("--patience", 3);
        // the quickstart's LoRA setting, as ./mmpeft sweep uses it
        FineTuning lora = FineTuning.lora(EnumSet.of(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN), 2).withAlpha(8)
                .withDropout(0.05).withRecipe(a.number("--lr", 5e-3), epochs, batch, patience);
        FineTuning full = FineTuning.fullQformer().withRecipe(a.number("--full-lr", 1e-3), epochs, batch, patience);
        SparkSession spark = SparkSession.builder().appName("mmpeft sweep").getOrCreate();
        try {
            SparkSweep.Result r = SparkSweep.run(spark, model, a.get("--model-id").orElse(model.toString()), task,
                    grid.settings(lora, full), a.require("--output"), System.out);
            System.out.printf("sweep: %d cells (%d run now, %d done before); table %s/sweep.md%n", r.cells().size(), r.ran(),
                    r.skipped(), r.output());
        } finally {
            spark.stop();
        }
    }

    static List<Set<Component>> parseRows(String text) {
        List<Set<Component>> rows = new ArrayList<>();
        for (String row : text.split(",")) {
            if (!row.isBlank()) {
                rows.add(FineTuning.parseComponents(row));
            }
        }
        if (rows.isEmpty()) {
            throw new SparkJobException("SweepMain: --components names no component, got '" + text + "'");
        }
        return rows;
    }
}
