package dev.mmpeft.samples.cli;


import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.Sweep;
import dev.mmpeft.samples.quickstart.Quickstart;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sweep on the embedded default with a reduced grid (2 components x 2 ranks + zero-shot):
 * a first run is killed with SIGKILL after some cells finished, the rerun skips those cells and
 * completes the table and the scatter plot.
 */
class SweepCommandTest {
    @TempDir static Path cache;

    @BeforeAll
    static void isolate() {
        SmallTask.isolateCache(cache);
    }

    private static String[] sweepArgs(Path out, Path data) {
        return new String[] {"sweep", "--output", out.toString(), "--data", data.toString(), "--components",
            "QFORMER_CROSS_ATTN,LLM_FFN", "--ranks", "1,2", "--no-full", "--epochs", "2", "--patience", "0"};
    }

    private static long finishedCells(Path out) throws Exception {
        Path cells = out.resolve(Sweep.CELLS);
        if (!Files.isDirectory(cells)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(cells)) {
            return s.filter(c -> Files.isRegularFile(c.resolve("summary.json"))).count();
        }
    }

    @Test
    void killedSweepResumesSkippingFinishedCellsAndWritesTableAndScatter(@TempDir Path tmp) throws Exception {
        Path data = SmallTask.write(tmp.resolve("data"));
        Path out = tmp.resolve("sweep");
        // the first run, in its own JVM, killed once two cells have finished
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx2g", "-Doffline=true", "-Dai.djl.pytorch.num_threads=1",
                "-Dmmpeft.cache=" + cache, "-cp", System.getProperty("java.class.path"), MmpeftCli.class.getName()));
        command.addAll(List.of(sweepArgs(out, data)));
        Process first = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("first.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (finishedCells(out) < 2 && first.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(first.isAlive(), "the first run ended before it could be killed:\n" + Files.readString(tmp.resolve("first.log")));
        first.destroyForcibly().waitFor();
        long doneBefore = finishedCells(out);
        assertTrue(doneBefore >= 2 && doneBefore < 5, "cells finished before the kill: " + doneBefore);

        CliRunner second = CliRunner.run(sweepArgs(out, data));
        assertEquals(0, second.code(), second.toString());
        long skipped = second.out().lines().filter(l -> l.endsWith("done before, skipping")).count();
        assertEquals(doneBefore, skipped, second.out());
        assertTrue(second.out().contains("sweep: 5 cells (" + (5 - doneBefore) + " run now, " + doneBefore + " done before)"), second.out());
        assertEquals(5, finishedCells(out));

        String table = Files.readString(out.resolve("runs.md"));
        assertTrue(table.contains("| Component | r=1 | r=2 |"), table);
        assertTrue(table.contains("| QFORMER_CROSS_ATTN |") && table.contains("| LLM_FFN |"), table);
        assertTrue(table.contains("| LLM_FFN | 2,880 | 5,760 |"), table);
        assertTrue(Files.readString(out.resolve("sweep.md")).contains("zero-shot baseline:"));
        assertEquals(5, Files.readAllLines(out.resolve("runs.csv")).size(), "header + 4 LoRA cells");
        BufferedImage scatter = ImageIO.read(out.resolve("accuracy-vs-parameters.png").toFile());
        assertTrue(scatter != null && scatter.getWidth() > 400, "scatter plot");
        // nothing half-written under a real name: every JSON file parses and every plot decodes (a kill
        // in the middle of an atomic write can only leave a temporary sibling, never a torn file)
        try (Stream<Path> files = Files.walk(out)) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            // and the rerun removed what the killed writes left behind
            assertEquals(List.of(), all.stream().filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
            for (Path p : all) {
                String name = p.getFileName().toString();
                if (name.endsWith(".json")) {
                    dev.mmpeft.core.io.Json.read(p);
                } else if (name.endsWith(".png")) {
                    assertTrue(ImageIO.read(p.toFile()) != null, "unreadable plot " + p);
                }
            }
        }
    }

    @Test
    void methodsStudyWritesTheMethodTableAndAPlotWithAMarkerPerMethod(@TempDir Path tmp) throws Exception {
        // smaller than SmallTask: five cells of one epoch each stay a few seconds
        Path data = dev.mmpeft.datasets.synthetic.SyntheticDataset.builder().seed(99)
                .variant(dev.mmpeft.datasets.synthetic.Variant.SHIFTED).train(16).val(8).test(8).imageSize(56).choices(4).build()
                .writeScienceQa(tmp.resolve("data"));
        Path out = tmp.resolve("study");
        CliRunner r = CliRunner.run("sweep", "--output", out.toString(), "--data", data.toString(), "--methods", "lora,ia3,adapter,prefix",
                "--connector", "tuned", "--bottleneck", "4", "--epochs", "1", "--patience", "0");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("sweep: 5 cells (5 run now, 0 done before); table " + out.resolve("methods.md")), r.out());
        List<String> csv = Files.readAllLines(out.resolve("methods.csv"));
        assertEquals("method,size,components,connector,trainable_parameters,accuracy,gain", csv.get(0));
        // the embedded default's T5 (d_model 48 = 4 heads x d_kv 12, d_ff 192, 2 + 2 layers) and its connector 48 -> 48
        long connector = 48 * 48 + 48;
        long lora = 2 * (12 * (48 + 48) + 4 * (2 * (48 + 192) + (192 + 48)));
        long ia3 = 3 * 2 * 2 * 48 + 4 * 192;
        long adapter = 4 * (2 * 48 * 4 + 4 + 48);
        long prefix = 10 * 2 * 2 * 48;
        List<String> rows = csv.subList(1, csv.size()).stream().map(l -> String.join(",", List.of(l.split(",")).subList(0, 5))).toList();
        assertEquals(List.of("LoRA,r=2,LLM_ALL,tuned," + (lora + connector), "IA3,,LLM,tuned," + (ia3 + connector),
                "Adapter,s=4,LLM,tuned," + (adapter + connector), "Prefix,vt=10,LLM,tuned," + (prefix + connector)), rows);
        assertEquals(8_064, lora, "README's LLM_ALL at r=2");
        String md = Files.readString(out.resolve("methods.md"));
        assertTrue(md.contains("| Method | connector tuned |"), md);
        assertTrue(Files.readString(out.resolve("sweep.md")).contains("- zero-shot baseline: "));
        BufferedImage plot = ImageIO.read(out.resolve("accuracy-vs-parameters.png").toFile());
        assertTrue(plot != null && plot.getWidth() > 400, "plot");
        // resumable like the grid: a second run skips every cell
        CliRunner again = CliRunner.run("sweep", "--output", out.toString(), "--data", data.toString(), "--methods", "lora,ia3,adapter,prefix",
                "--connector", "tuned", "--bottleneck", "4", "--epochs", "1", "--patience", "0");
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.out().contains("sweep: 5 cells (0 run now, 5 done before)"), again.out());
    }

    @Test
    void papersGridHasEveryCellOnce() {
        List<FineTuning> settings = Sweep.Grid.papers().settings(Quickstart.Options.defaultSetting(), FineTuning.fullQformer());
        assertEquals(1 + 1 + 8 * 4, settings.size());
        Set<String> slugs = new HashSet<>();
        settings.forEach(s -> assertTrue(slugs.add(s.slug()), "duplicate cell " + s.slug()));
        assertTrue(slugs.contains("lora-llm_all+qformer_all-r8") || slugs.contains("lora-qformer_all+llm_all-r8"), slugs.toString());
        // alpha keeps its ratio to r across the ranks (alpha 8 at r 2 -> 32 at r 8)
        assertEquals(32.0, settings.get(settings.size() - 1).alpha(), 1e-12);
    }

    @Test
    void badComponentIsAFlagErrorAndMissingDataABadInput(@TempDir Path tmp) throws Exception {
        CliRunner r = CliRunner.run("sweep", "--output", tmp.toString(), "--components", "QFORMER_CROSS_ATTN,LLM_NOPE");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.errLines().get(0).startsWith("mmpeft sweep: --components: "), r.err());
        assertTrue(r.err().contains("unknown component 'LLM_NOPE'"), r.err());
        CliRunner missing = CliRunner.run("sweep", "--output", tmp.resolve("o").toString(), "--data", tmp.resolve("nothing").toString());
        assertEquals(1, missing.code(), missing.toString());
        assertTrue(missing.err().contains("nothing"), missing.err());
    }
}
