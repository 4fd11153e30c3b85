package dev.mmpeft.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reports and tables rendered from fixed results (the charts of the same results: sdk-plots). */
class ReportsTest {
    /** A fixed ScienceQA-shaped result (numbers of the LoRA paper's Table 1 style). */
    public static EvaluationResult scienceQa(double nat, double img, double avg) {
        return EvaluationResult.builder()
                .evaluator("scienceqa")
                .metric("accuracy")
                .headline(avg)
                .putBreakdown("NAT", nat).putGroupSizes("NAT", 30)
                .putBreakdown("IMG", img).putGroupSizes("IMG", 24)
                .putBreakdown("Avg", avg).putGroupSizes("Avg", 50)
                .addRecords(EvaluationResult.ExampleOutcome.builder().exampleId("5").predicted("I | am not sure")
                        .expected("(b) how steady, a parachute").score(0).unparseable(true).build())
                .addRecords(EvaluationResult.ExampleOutcome.builder().exampleId("11").predicted("(b) New Hampshire")
                        .expected("(b) New Hampshire").score(1).build())
                .build();
    }

    @Test
    void markdownCsvAndJsonOfOneResult(@TempDir Path dir) throws IOException {
        EvaluationResult r = scienceQa(96.66666666, 95.8333333, 76.0);
        String md = Reports.markdown(r);
        assertEquals(String.join("\n",
                "# scienceqa: accuracy 76.00%",
                "",
                "| Group | accuracy (%) | Examples |",
                "|---|---:|---:|",
                "| NAT | 96.67 | 30 |",
                "| IMG | 95.83 | 24 |",
                "| Avg | 76.00 | 50 |",
                "",
                "2 examples; 1 answers could not be read (counted as wrong):",
                "",
                "| Example | Prediction | Expected |",
                "|---|---|---|",
                "| 5 | I \\| am not sure | (b) how steady, a parachute |",
                ""), md);
        assertEquals("group,accuracy,examples\nNAT,96.66666666,30\nIMG,95.8333333,24\nAvg,76.0,50\n", Reports.csv(r));
        assertTrue(Reports.recordsCsv(r).contains("5,I | am not sure,\"(b) how steady, a parachute\",0.0,true\n"));

        List<Path> files = Reports.writeAll(r, dir.resolve("out"));
        assertEquals(4, files.size());
        JsonNode json = Json.read(dir.resolve("out/result.json"));
        assertEquals(76.0, json.get("headline").asDouble());
        assertEquals(List.of("NAT", "IMG", "Avg"), List.copyOf(iterable(json.get("breakdown").fieldNames())));
        assertEquals("5", json.get("unparseable").get(0).asText());
        assertEquals(2, json.get("records").size());
        // Written atomically: no temporary files left beside the reports.
        try (Stream<Path> s = Files.list(dir.resolve("out"))) {
            assertEquals(4, s.count());
        }
    }

    @Test
    void resultsTableLikeTable1AndScatterLikeFigure5(@TempDir Path dir) throws IOException {
        // LoRA trainable parameters of the ablation study for the real instructblip-flan-t5-xl (r = 1)
        // scale linearly with the rank: N * r * sum(d_in + d_out).
        List<RunSummary> runs = List.of(
                RunSummary.of("LLM FFN", 1, 1_032_192, 86.42),
                RunSummary.of("LLM FFN", 2, 2_064_384, 86.37),
                RunSummary.of("LLM FFN", 4, 4_128_768, 85.32),
                RunSummary.of("Q-Former cross-attn", 1, 44_544, 84.13),
                RunSummary.of("Q-Former cross-attn", 2, 89_088, 86.32),
                RunSummary.of("Q-Former cross-attn", 8, 356_352, 85.18));
        String md = ResultsTable.markdown(runs);
        assertTrue(md.startsWith(String.join("\n",
                "| Component | r=1 | r=2 | r=4 | r=8 |",
                "|---|---:|---:|---:|---:|",
                "| LLM FFN | **86.42** | 86.37 | 85.32 | - |",
                "| Q-Former cross-attn | 84.13 | **86.32** | - | 85.18 |",
                "")), md);
        assertTrue(md.contains("| LLM FFN | 1,032,192 | 2,064,384 | 4,128,768 | - |"), md);
        assertTrue(ResultsTable.csv(runs).contains("Q-Former cross-attn,8,356352,85.18\n"));

        List<Path> files = ResultsTable.writeAll(runs, dir, "ScienceQA: accuracy vs trainable parameters");
        assertEquals(List.of(dir.resolve("runs.md"), dir.resolve("runs.csv")), files);
        assertTrue(Files.readString(dir.resolve("runs.md")).startsWith("# ScienceQA: accuracy vs trainable parameters\n\n| Component |"));
        assertThrows(IllegalArgumentException.class,
                () -> ResultsTable.markdown(List.of(runs.get(0), RunSummary.of("LLM FFN", 1, 5, 1.0))));
        assertThrows(IllegalArgumentException.class, () -> RunSummary.of("x", 1, 0, 50.0));
    }

    @Test
    void zeroShotAgainstFineTuned(@TempDir Path dir) throws IOException {
        Comparison c = Comparison.of(scienceQa(70.4, 60.0, 68.0), scienceQa(86.42, 84.5, 86.0));
        assertEquals(3, c.rows().size());
        assertEquals(16.02, c.rows().get(0).delta(), 1e-9);
        assertEquals(18.0, c.headlineDelta(), 1e-9);
        assertTrue(c.markdown().startsWith(String.join("\n",
                "| Group | zero-shot | fine-tuned | Difference |",
                "|---|---:|---:|---:|",
                "| NAT | 70.40 | 86.42 | +16.02 |",
                "| IMG | 60.00 | 84.50 | +24.50 |",
                "| Avg | 68.00 | 86.00 | +18.00 |",
                "")), c.markdown());
        assertTrue(Comparison.of(scienceQa(90, 90, 90), scienceQa(80, 95, 90)).markdown().contains("| NAT | 90.00 | 80.00 | -10.00 |"));
        assertTrue(c.csv().startsWith("group,zero-shot,fine-tuned,difference,examples\nNAT,70.4,86.42,"));
        List<Path> files = c.writeAll(dir);
        assertEquals(3, files.size());
        assertEquals(18.0, Json.read(dir.resolve("comparison.json")).get("headlineDelta").asDouble(), 1e-9);
        EvaluationResult cider = EvaluationResult.builder().evaluator("caption").metric("CIDEr").headline(1)
                .putBreakdown("CIDEr", 1.0).putGroupSizes("CIDEr", 1).build();
        assertThrows(IllegalArgumentException.class, () -> Comparison.of(scienceQa(1, 1, 1), cider));
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
