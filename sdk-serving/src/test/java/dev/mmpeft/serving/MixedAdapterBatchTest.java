package dev.mmpeft.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The acceptance test of mixed batches: three LoRA adapters, one IA3 adapter and rows without
 * adapter answered in ONE forward pass of the engine, every row equal to the same request served
 * alone (tokens exactly, choice losses within 1e-5).
 */
class MixedAdapterBatchTest {
    static final List<String> ADAPTERS = Arrays.asList("lora-a", "lora-b", "lora-c", "ia3", null, "lora-a", null, "ia3");
    static final String[] PROMPTS = {"what is in the image ?", "which color ?", "what shape is it ?", "describe the picture .",
        "is it a cat ?", "what color is the square ?", "which shape is this ?", "what is it ?"};
    static final List<String> CHOICES = List.of("a cat", "red", "a circle", "no", "the blue square");

    static List<ServingRequest> requests(boolean scoring) {
        List<ServingRequest> out = new ArrayList<>();
        for (int i = 0; i < ADAPTERS.size(); i++) {
            ServingRequest.Builder b = ServingRequest.builder().adapter(java.util.Optional.ofNullable(ADAPTERS.get(i)))
                    .prompt(PROMPTS[i]).image(ServingFixtures.image(100 + i)).maxNewTokens(8);
            out.add((scoring ? b.choices(CHOICES) : b).build());
        }
        return out;
    }

    static List<ServingResult> batched(ServingEngine engine, List<ServingRequest> requests) throws Exception {
        List<CompletableFuture<ServingResult>> futures = new ArrayList<>();
        requests.forEach(r -> futures.add(engine.submit(r)));
        List<ServingResult> out = new ArrayList<>();
        for (CompletableFuture<ServingResult> f : futures) {
            out.add(f.get());
        }
        return out;
    }

    @Test
    void threeLoraOneIa3AndNoAdapterRowsInOneBatchEqualEachRequestAlone() throws Exception {
        ServingConfig together = ServingConfig.builder().maxBatchSize(ADAPTERS.size()).maxWait(Duration.ofSeconds(5)).build();
        List<ServingResult> mixedGen;
        List<ServingResult> mixedScores;
        try (ServingEngine engine = ServingFixtures.engine(together)) {
            mixedGen = batched(engine, requests(false));
            mixedScores = batched(engine, requests(true));
            assertEquals(2, engine.metrics().batches(), "each set of " + ADAPTERS.size() + " requests ran as one batch");
            assertEquals(ADAPTERS.size(), engine.metrics().meanBatchSize(), 0.0);
        }
        List<ServingResult> aloneGen = new ArrayList<>();
        List<ServingResult> aloneScores = new ArrayList<>();
        try (ServingEngine engine = ServingFixtures.engine(ServingConfig.builder().maxBatchSize(1).build())) {
            for (ServingRequest r : requests(false)) {
                aloneGen.add(engine.answer(r));
            }
            for (ServingRequest r : requests(true)) {
                aloneScores.add(engine.answer(r));
            }
        }
        float worst = 0;
        for (int i = 0; i < ADAPTERS.size(); i++) {
            String what = "row " + i + " (" + ADAPTERS.get(i) + ")";
            assertEquals(ADAPTERS.size(), mixedGen.get(i).batchSize(), what);
            assertEquals(1, aloneGen.get(i).batchSize(), what);
            assertEquals(aloneGen.get(i).tokens(), mixedGen.get(i).tokens(), what + ": generated tokens");
            assertEquals(aloneGen.get(i).text(), mixedGen.get(i).text(), what);
            assertEquals(java.util.Optional.ofNullable(ADAPTERS.get(i)), mixedGen.get(i).adapter(), what);
            for (int c = 0; c < CHOICES.size(); c++) {
                float diff = Math.abs(aloneScores.get(i).scores().get(c) - mixedScores.get(i).scores().get(c));
                worst = Math.max(worst, diff);
                assertTrue(diff <= 1e-5, what + " choice " + c + ": " + diff);
            }
            assertEquals(aloneScores.get(i).text(), mixedScores.get(i).text(), what);
        }
        // the adapters matter: the same request answered by each adapter gets different losses
        try (ServingEngine engine = ServingFixtures.engine(ServingConfig.builder().maxBatchSize(1).build())) {
            List<Float> firstLoss = new ArrayList<>();
            for (String a : Arrays.asList("lora-a", "lora-b", "lora-c", "ia3", null)) {
                ServingRequest r = requests(true).get(0).toBuilder().adapter(java.util.Optional.ofNullable(a)).build();
                firstLoss.add(engine.answer(r).scores().get(0));
            }
            for (int i = 0; i < firstLoss.size(); i++) {
                for (int j = i + 1; j < firstLoss.size(); j++) {
                    assertTrue(Math.abs(firstLoss.get(i) - firstLoss.get(j)) > 1e-3, "adapters " + i + " and " + j + ": " + firstLoss);
                }
            }
        }
        System.out.printf("mixed batch of %d: largest choice-loss difference to single requests %.3g%n", ADAPTERS.size(), worst);
    }
}
