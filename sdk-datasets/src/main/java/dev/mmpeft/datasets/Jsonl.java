package dev.mmpeft.datasets;

import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;

/**
 * Users' own data as JSON Lines, one record per line:
 *
 * <pre>{@code
 * {"id": "q1", "image": "images/q1.png", "question": "What color is the ball?",
 *  "choices": ["red", "blue"], "answer": 1, "context": "A toy.", "split": "train"}
 * }</pre>
 *
 * <p>{@code answer} is the index of the correct choice or its text; open questions leave out
 * {@code choices} and give the answer text (or {@code answers}, a list). Optional: {@code id}
 * (default {@code FILE-LINE}), {@code split} (default the file name: {@code train.jsonl} is
 * train), {@code images} (several), {@code context} or {@code hint}, {@code lecture},
 * {@code choice_images}, {@code skills}, {@code metadata} (an object); other scalar fields become
 * metadata too. Image paths are relative to the file's folder and must stay inside it. Every
 * error names the file, the line and the field.
 */
public final class Jsonl {
    /** The format name. */
    public static final String FORMAT = "jsonl";

    private Jsonl() {}

    /** A reader for a {@code .jsonl} file or a folder of them; set {@code root(path)} and read. */
    public static DatasetReader reader() {
        return DatasetReaders.forFormat(FORMAT);
    }

    /** The default template for JSONL data (the ScienceQA form). */
    public static PromptTemplate template() {
        return PromptTemplates.generic();
    }
}
