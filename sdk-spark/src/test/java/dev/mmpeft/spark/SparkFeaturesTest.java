package dev.mmpeft.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.cache.FeatureCache;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import dev.mmpeft.models.instructblip.testing.TinyTokenizers;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.processing.RgbImage;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frozen-feature extraction: the images of a synthetic dataset plus two byte-identical copies,
 * over 2 partitions in shards of at most 4 images, come back from the shards (through the index,
 * also as a plain sharded checkpoint) as the vision encoder computes them for each image alone,
 * and the folder serves as the trainer's feature cache: every lookup of those images hits it.
 */
class SparkFeaturesTest {
    @TempDir static Path tmp;

    @Test
    void theVisionFeaturesOfEveryDistinctImageAreStoredOnceByHash() throws Exception {
        Path modelDir = tmp.resolve("model");
        InstructBlipPresets.writeTiny(modelDir, TinyTokenizers.WORDS, true, false, 17, 0.3f);
        Path data = SyntheticDataset.builder().seed(9).variant(Variant.SHIFTED).train(2).val(2).test(10).imageSize(28).choices(3)
                .build().writeScienceQa(tmp.resolve("data"));
        List<Path> images = new ArrayList<>();
        for (MultimodalExample e : TaskData.of("scienceqa", data).examples("test")) {
            images.addAll(e.images());
        }
        Files.copy(images.get(0), tmp.resolve("copy-a.png"));
        Files.copy(images.get(1), tmp.resolve("copy-b.png"));
        images.add(tmp.resolve("copy-a.png"));
        images.add(tmp.resolve("copy-b.png"));
        Set<String> hashes = new HashSet<>();
        images.forEach(p -> hashes.add(FrozenFeatures.imageHash(p)));
        assertTrue(hashes.size() <= images.size() - 2, "the copies share their originals' hashes");

        Path out = tmp.resolve("features");
        SparkFeatures.Result r = SparkFeatures.extract(TestSpark.get(), modelDir, "tiny", images, out.toString(), 2, 3, 4);
        assertEquals(images.size(), r.images());
        assertEquals(hashes.size(), r.distinct());
        List<String> shards;
        try (Stream<Path> s = Files.list(out)) {
            shards = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).sorted().toList();
        }
        assertEquals(r.shards(), shards.size());
        int half = (hashes.size() + 1) / 2; // Spark's parallelize slices a list evenly
        assertEquals((half + 3) / 4 + (hashes.size() - half + 3) / 4, shards.size(), shards.toString());
        assertEquals("features-00000-0000.safetensors", shards.get(0));

        try (InstructBlip model = InstructBlip.load(modelDir);
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, model.config());
                FrozenFeatures features = FrozenFeatures.open(out);
                NDManager manager = NDManager.newBaseManager()) {
            assertEquals(hashes.size(), features.size());
            assertEquals(FrozenFeatures.FORMAT, features.metadata().get("format"));
            assertEquals(FrozenFeatures.VISION_FEATURE, features.metadata().get("feature"));
            assertEquals("tiny", features.metadata().get("model"));
            model.setTraining(false);
            for (Path image : images) {
                NDArray stored = features.load(FrozenFeatures.imageHash(image), manager).orElseThrow();
                NDArray alone = model.visionModel().forward(processor.imageProcessor().pixelValues(List.of(RgbImage.read(image)), manager));
                assertArrayEquals(alone.getShape().slice(1).getShape(), stored.getShape().getShape());
                float[] a = alone.toFloatArray();
                float[] b = stored.toFloatArray();
                for (int i = 0; i < a.length; i++) {
                    // batches of 3 against one image: the same math, summed in a possibly different order
                    assertEquals(a[i], b[i], 1e-5f, image + " element " + i);
                }
            }
            assertFalse(features.contains("0".repeat(64)));
        }
        Set<String> keys = new HashSet<>();
        try (FrozenFeatures features = FrozenFeatures.open(out)) {
            hashes.forEach(h -> keys.add(features.cacheKey(h).orElseThrow()));
        }
        assertEquals(hashes.size(), keys.size(), "distinct synthetic images have distinct pixels, so distinct keys");
        try (Checkpoint plain = Checkpoint.open(out.resolve(FrozenFeatures.INDEX))) {
            assertEquals(keys, plain.names(), "a Hugging Face style sharded index: any safetensors reader finds the tensors");
        }

        // the folder is a feature cache: the trainer's lookups for these images all hit its shards
        try (InstructBlip base = InstructBlip.load(modelDir);
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, base.config());
                // LoRA on the language model, as a run of the sweep: the vision encoder frozen
                PeftModel<InstructBlip> peft = Peft.lora().rank(2).alpha(4)
                        .targetRegex("language_model\\.encoder\\.block\\.\\d+\\.layer\\.0\\.SelfAttention\\.(q|v)").on(base);
                FeatureCache cache = FeatureCache.open(out, FeatureCache.DEFAULT_MEMORY_BYTES);
                NDManager manager = NDManager.newBaseManager()) {
            assertEquals(keys.size(), cache.stats().diskEntries());
            InstructBlip model = peft.model();
            model.setTraining(true); // the Q-Former's dropout keeps the image-feature level out: vision features only
            model.reuseFrozenFeatures(cache);
            List<RgbImage> batch = images.stream().map(RgbImage::read).toList();
            NDArray pixels = processor.imageProcessor().pixelValues(batch, manager);
            model.imageFeatures(pixels, manager.create(new long[images.size()][2]).add(1), null);
            FeatureCache.Stats st = cache.stats();
            assertEquals(0, st.misses(), st.toString());
            assertEquals(images.size(), st.hits(), st.toString());
            assertEquals(keys.size(), st.diskHits(), st.toString());
            model.reuseFrozenFeatures(null);
        }

        Path notFeatures = tmp.resolve("not-features");
        Files.createDirectories(notFeatures);
        Files.writeString(notFeatures.resolve(FrozenFeatures.INDEX), "{\"metadata\": {\"format\": \"pt\"}, \"weight_map\": {}}");
        SparkJobException e = assertThrows(SparkJobException.class, () -> FrozenFeatures.open(notFeatures));
        assertEquals(notFeatures.resolve(FrozenFeatures.INDEX) + ": metadata.format is 'pt'; expected 'mmpeft-frozen-features'",
                e.getMessage());

        // a folder of the first version (tensors named by image hash) is refused, saying what to do
        Files.writeString(notFeatures.resolve(FrozenFeatures.INDEX),
                "{\"metadata\": {\"format\": \"mmpeft-frozen-features\", \"version\": \"1\"}, \"weight_map\": {}}");
        e = assertThrows(SparkJobException.class, () -> FrozenFeatures.open(notFeatures));
        assertEquals(notFeatures.resolve(FrozenFeatures.INDEX) + ": metadata.version is '1'; expected version '2' with an 'images'"
                + " object (extract the features again)", e.getMessage());
    }
}
