package dev.mmpeft.datasets.synthetic;

import com.google.common.collect.ImmutableList;
import dev.mmpeft.datasets.DatasetException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.immutables.value.Value;

/**
 * A deterministic synthetic visual-question dataset: Java2D images of coloured shapes with
 * multiple-choice questions about colour, shape, count, position or size, written in the official
 * ScienceQA, IconQA or JSONL layout and read back by the same readers as the real data.
 *
 * <pre>{@code
 * Path base = SyntheticDataset.builder().seed(1).train(400).val(100).test(100).imageSize(32).build()
 *         .writeScienceQa(dir.resolve("base"));
 * Path shifted = SyntheticDataset.builder().variant(Variant.SHIFTED).seed(2).train(200).imageSize(32).build()
 *         .writeScienceQa(dir.resolve("shifted"));
 * var train = ScienceQa.reader().root(base).split("train").readAll();
 * }</pre>
 *
 * <p>Designed so a tiny model learns it quickly from the image: few question families, one clear
 * visual cue per family (a single large shape for colour and shape questions, 1-5 equal shapes
 * on a 3x3 grid for counting), saturated colours on white, and answers balanced exactly over
 * values and option positions (chance = 1 / {@link #choices()}). The same seed and settings give
 * byte-identical files. Records carry ScienceQA metadata (subject, grade 1-12, topic, category,
 * skill, hint for a {@link #hintFraction()} of them, optional text-only records) so the official
 * accuracy breakdowns have several non-empty groups.
 */
@Value.Immutable
public abstract class SyntheticDataset {
    /** Seed of everything random. */
    @Value.Default
    public long seed() {
        return 0;
    }

    /** Records in the train split. */
    @Value.Default
    public int train() {
        return 200;
    }

    /** Records in the val split. */
    @Value.Default
    public int val() {
        return 50;
    }

    /** Records in the test split. */
    @Value.Default
    public int test() {
        return 50;
    }

    /** Image side in pixels (224 as InstructBLIP's processor expects; 32-64 for fast tests). */
    @Value.Default
    public int imageSize() {
        return 224;
    }

    /** The task: {@link Variant#BASE} or {@link Variant#SHIFTED}. */
    @Value.Default
    public Variant variant() {
        return Variant.BASE;
    }

    /** The question families asked, in turn (default: the variant's). */
    @Value.Default
    public List<QuestionFamily> families() {
        return variant().families();
    }

    /** Options per question (fewer when a family has fewer values: size has 2). */
    @Value.Default
    public int choices() {
        return 4;
    }

    /** Fraction of image records with a (non-revealing) hint, so the TXT group is not empty. */
    @Value.Default
    public double hintFraction() {
        return 0.25;
    }

    /** Fraction of ScienceQA/JSONL records without an image whose hint states the fact (the NO... groups). */
    @Value.Default
    public double textOnlyFraction() {
        return 0.0;
    }

    /** IconQA sub-tasks written by {@link #writeIconQa(Path)}. */
    @Value.Default
    public List<String> iconQaSubtasks() {
        return List.of("choose_txt");
    }

    /** Size of the mini splits (minitrain, minival, minitest) as a fraction of their split (at least 1 record). */
    @Value.Default
    public double miniFraction() {
        return 0.1;
    }

    @Value.Check
    protected void check() {
        require(train() >= 0 && val() >= 0 && test() >= 0, "split sizes must be >= 0, got train " + train() + ", val "
                + val() + ", test " + test());
        require(imageSize() >= 16 && imageSize() <= 2048, "imageSize must be 16..2048, got " + imageSize());
        require(choices() >= 2 && choices() <= 6, "choices must be 2..6, got " + choices());
        require(!families().isEmpty(), "families must not be empty");
        require(ImmutableList.copyOf(families()).stream().distinct().count() == families().size(),
                "families must not repeat, got " + families());
        require(hintFraction() >= 0 && hintFraction() <= 1, "hintFraction must be 0..1, got " + hintFraction());
        require(textOnlyFraction() >= 0 && textOnlyFraction() <= 1,
                "textOnlyFraction must be 0..1, got " + textOnlyFraction());
        require(miniFraction() > 0 && miniFraction() <= 1, "miniFraction must be in (0, 1], got " + miniFraction());
        for (String t : iconQaSubtasks()) {
            require(LayoutWriter.ICONQA_TASKS.contains(t), "iconQaSubtasks: unknown sub-task '" + t + "' (expected "
                    + LayoutWriter.ICONQA_TASKS + ")");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The size of a split. */
    public int size(String split) {
        switch (split) {
            case "train":
                return train();
            case "val":
                return val();
            case "test":
                return test();
            default:
                throw new IllegalArgumentException("split must be train, val or test, got '" + split + "'");
        }
    }

    /**
     * Multiple-choice record {@code index} of a split, with the pid the ScienceQA layout gives it
     * (train first, then val, then test, from 1).
     */
    public SyntheticRecord record(String split, int index) {
        if (index < 0 || index >= size(split)) {
            throw new IndexOutOfBoundsException("record " + index + " of split " + split + " (size " + size(split) + ")");
        }
        int offset = switch (split) {
            case "train" -> 0;
            case "val" -> train();
            default -> train() + val();
        };
        return new Generator(this).record(String.valueOf(offset + index + 1), split, index, Generator.Mode.MULTIPLE_CHOICE);
    }

    /** All multiple-choice records of a split, in order (for small datasets; writers stream). */
    public List<SyntheticRecord> records(String split) {
        ImmutableList.Builder<SyntheticRecord> out = ImmutableList.builder();
        for (int i = 0; i < size(split); i++) {
            out.add(record(split, i));
        }
        return out.build();
    }

    /** A record's image at {@link #imageSize()}. */
    public BufferedImage render(List<Shape> scene) {
        return SceneRenderer.render(scene, imageSize());
    }

    /**
     * Writes the ScienceQA layout into a new folder {@code dir}: problems.json, pid_splits.json
     * (train, val, test, trainval, minitrain, minival, minitest), captions.json,
     * images/{split}/{pid}/image.png, and synthetic.json (the settings). The folder appears
     * complete or not at all; an existing non-empty folder is refused.
     *
     * @return {@code dir}
     */
    public Path writeScienceQa(Path dir) {
        return new LayoutWriter(this).write(dir, false, LayoutWriter.Layout.SCIENCEQA);
    }

    /** As {@link #writeScienceQa(Path)}, replacing an existing folder when {@code replace}. */
    public Path writeScienceQa(Path dir, boolean replace) {
        return new LayoutWriter(this).write(dir, replace, LayoutWriter.Layout.SCIENCEQA);
    }

    /**
     * Writes the IconQA layout into a new folder {@code dir}:
     * iconqa/{split}/{sub-task}/{pid}/data.json + image.png (+ choice_N.png for choose_img) for
     * each of {@link #iconQaSubtasks()}, plus problems.json, pid_splits.json ({sub-task}_{split}),
     * pid2skills.json and synthetic.json. choose_txt asks the configured families;
     * fill_in_blank asks for counts; choose_img asks which picture shows the same shape.
     *
     * @return {@code dir}
     */
    public Path writeIconQa(Path dir) {
        return new LayoutWriter(this).write(dir, false, LayoutWriter.Layout.ICONQA);
    }

    /** As {@link #writeIconQa(Path)}, replacing an existing folder when {@code replace}. */
    public Path writeIconQa(Path dir, boolean replace) {
        return new LayoutWriter(this).write(dir, replace, LayoutWriter.Layout.ICONQA);
    }

    /**
     * Writes JSON Lines into a new folder {@code dir}: train.jsonl, val.jsonl, test.jsonl with
     * images under images/{split}/{id}.png, readable by {@code Jsonl.reader()}.
     *
     * @return {@code dir}
     */
    public Path writeJsonl(Path dir) {
        return new LayoutWriter(this).write(dir, false, LayoutWriter.Layout.JSONL);
    }

    /** As {@link #writeJsonl(Path)}, replacing an existing folder when {@code replace}. */
    public Path writeJsonl(Path dir, boolean replace) {
        return new LayoutWriter(this).write(dir, replace, LayoutWriter.Layout.JSONL);
    }

    /**
     * Writes a captioning task into a new folder {@code dir} in Flickr30K's Karpathy layout
     * ({@code dataset_flickr30k.json} + {@code flickr30k-images/}): every image with five reference
     * captions in the default model's words ("a red circle", "3 blue shapes"), readable by
     * {@code Flickr30k.reader()}.
     *
     * @return {@code dir}
     */
    public Path writeFlickr30k(Path dir, boolean replace) {
        return new OpenLayoutWriter(this).writeFlickr30k(dir, replace);
    }

    /**
     * Writes an open question-answering task into a new folder {@code dir} in TextVQA's layout
     * ({@code TextVQA_0.5.1_{split}.json} + {@code train_images/}, {@code test_images/}): the
     * records' questions, each with ten equal human answers (the test split too, so it can be
     * scored), readable by {@code TextVqa.reader()}.
     *
     * @return {@code dir}
     */
    public Path writeTextVqa(Path dir, boolean replace) {
        return new OpenLayoutWriter(this).writeTextVqa(dir, replace);
    }

    /**
     * Writes one JSONL file of {@code count} records that reuse {@code imagePool} images (saved in
     * images/pool/ beside the file): large files for memory and throughput tests without writing
     * a hundred thousand images. Record {@code k} repeats train record {@code k % imagePool} under
     * id {@code k + 1}.
     *
     * @return {@code file}
     */
    public Path writeJsonlPool(Path file, long count, int imagePool) {
        return new LayoutWriter(this).writePool(file, count, imagePool);
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    static boolean isEmptyOrAbsent(Path dir) {
        if (!Files.exists(dir)) {
            return true;
        }
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new DatasetException(dir, null, null, "cannot list: " + e.getMessage(), e);
        }
    }

    /** Builds a {@link SyntheticDataset}; {@code build()} validates it. */
    public static class Builder extends ImmutableSyntheticDataset.Builder {}
}
