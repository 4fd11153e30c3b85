package dev.mmpeft.datasets;

import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;

/**
 * ScienceQA (Lu et al., NeurIPS 2022) in its official layout: {@code problems.json},
 * {@code pid_splits.json}, {@code captions.json}, {@code images/{split}/{pid}/image.png}.
 *
 * <pre>{@code
 * List<MultimodalExample> test = ScienceQa.reader().root(dir).split("test").imagesOnly(true).readAll();
 * Prompt p = ScienceQa.template().render(test.get(0));
 * }</pre>
 *
 * <p>Each example carries the record's fields: {@code context()} is the hint, {@code lecture()}
 * the lecture, and {@code metadata()} every other scalar field under its own name (hint, image,
 * task, grade, subject, topic, category, skill, lecture, solution, split, caption), which is what
 * the official accuracy groups (NAT/SOC/LAN, TXT/IMG/NO, G1-6/G7-12) are computed from.
 */
public final class ScienceQa {
    /** The format name. */
    public static final String FORMAT = "scienceqa";

    private ScienceQa() {}

    /** A reader for the ScienceQA layout; set {@code root(dir)} and read. */
    public static DatasetReader reader() {
        return DatasetReaders.forFormat(FORMAT);
    }

    /** The papers' ScienceQA template. */
    public static PromptTemplate template() {
        return PromptTemplates.scienceQa();
    }
}
