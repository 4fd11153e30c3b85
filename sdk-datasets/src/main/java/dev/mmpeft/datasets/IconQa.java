package dev.mmpeft.datasets;

import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;

/**
 * IconQA (Lu et al., NeurIPS 2021) in its official layout:
 * {@code iconqa/{split}/{choose_txt,choose_img,fill_in_blank}/{pid}/data.json} + {@code image.png},
 * with {@code problems.json}, {@code pid_splits.json} and {@code pid2skills.json} used when present.
 *
 * <pre>{@code
 * var test = IconQa.reader().root(dir).split("test").subtasks(IconQa.CHOOSE_TXT).read();
 * }</pre>
 *
 * <p>choose_txt and choose_img examples are multiple choice ({@code choices()}, {@code
 * answerIndex()}; choose_img also {@code choiceImages()}); fill_in_blank examples carry their answer
 * in {@code answers()}. {@code metadata()} holds ques_type, grade, label, unit, split.
 */
public final class IconQa {
    /** The format name. */
    public static final String FORMAT = "iconqa";
    /** Multi-text-choice: the papers' setting. */
    public static final String CHOOSE_TXT = "choose_txt";
    /** Multi-image-choice. */
    public static final String CHOOSE_IMG = "choose_img";
    /** Filling in the blank. */
    public static final String FILL_IN_BLANK = "fill_in_blank";

    private IconQa() {}

    /** A reader for the IconQA layout; set {@code root(dir)} and read. */
    public static DatasetReader reader() {
        return DatasetReaders.forFormat(FORMAT);
    }

    /** The papers' IconQA template. */
    public static PromptTemplate template() {
        return PromptTemplates.iconQa();
    }
}
