package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.io.OutputLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The README's exit codes, case by case: a bad flag value exits 2 with one line naming the flag
 * (plus the pointer to {@code --help}), bad input files or data exit 1 with one line naming the file
 * or field, and no line shows a library's class names or internals.
 */
class BadInputTableTest {
    /** What a user must never read: Java/Jackson/picocli internals, SDK class names. */
    private static final Pattern INTERNALS = Pattern.compile(
            "Exception|REDACTED|StreamReadFeature|com\\.fasterxml|picocli|java\\.|LoraConfig|\\bat [a-z]+\\.");

    @TempDir static Path tmp;
    static Path cache;
    static Process holder;

    @BeforeAll
    static void fixtures() throws Exception {
        cache = Files.createDirectories(tmp.resolve("cache"));
        SmallTask.isolateCache(cache);
        Files.writeString(tmp.resolve("bad.json"), "{\"1\": \"A\"");
        Path card = Files.createDirectories(tmp.resolve("bad-card"));
        Files.writeString(card.resolve("mmpeft_task.json"), "{\"mmpeft_task\": 1, \"format\": \"scienceqa\", \"template\": \"scienceqa\","
                + " \"answer_format\": \"letters\", \"label_space\": {\"option_labels\": \"lower\", \"answers\": [], \"complete\": true}}");
        // an output folder that a live process holds (the lock file another run would have written)
        holder = new ProcessBuilder("sleep", "300").start();
        Path locked = Files.createDirectories(tmp.resolve("locked"));
        Files.writeString(locked.resolve(OutputLock.FILE_NAME), "pid=" + holder.pid() + "\nstarted="
                + holder.info().startInstant().orElseThrow() + "\n");
    }

    @AfterAll
    static void stopHolder() throws Exception {
        holder.destroy();
        holder.waitFor(10, TimeUnit.SECONDS);
    }

    static Stream<Arguments> cases() {
        String config = Path.of("..", "sdk-core", "src", "test", "resources", "hf-configs", "instructblip-flan-t5-xl", "config.json")
                .toString();
        return Stream.of(
                // bad flags and flag values: exit 2
                bad(2, "unknown command 'trian'; did you mean 'train'?", "trian"),
                bad(2, "unknown option '--lrr'; did you mean '--lr'?", "train", "--model", "embedded", "--data", "{SQA}",
                        "--output", "{TMP}/o", "--lrr", "1"),
                bad(2, "Invalid value for option '--rank': 'two' is not an int", "quickstart", "--rank", "two"),
                bad(2, "--epochs must be >= 1, got 0", "quickstart", "--output", "{TMP}/o", "--epochs", "0"),
                bad(2, "--alpha must be a number or a multiple of the rank such as 4r, got 'big'", "quickstart", "--alpha", "big"),
                bad(2, "--target: unknown component 'QFORMER_NOPE'", "quickstart", "--target", "QFORMER_NOPE"),
                bad(2, "--schedule: unknown schedule 'steps'", "quickstart", "--schedule", "steps"),
                bad(2, "--family: unknown family 'gpt'; expected one of instructblip, lavin, llava", "quickstart", "--output",
                        "{TMP}/o", "--family", "gpt"),
                bad(2, "give --model or --family, not both", "sweep", "--output", "{TMP}/o", "--model", "embedded", "--family", "llava"),
                bad(2, "--lr must be > 0, got -0.1", "train", "--model", "embedded", "--data", "{SQA}", "--output", "{TMP}/o",
                        "--lr", "-0.1"),
                bad(2, "invalid --missing-images 'keep' (expected one of [fail, skip])", "train", "--model", "embedded", "--data",
                        "{SQA}", "--output", "{TMP}/o", "--missing-images", "keep"),
                bad(2, "unknown --format 'coco'; expected one of aokvqa, flickr30k, iconqa, jsonl, okvqa, scienceqa, textcaps, textvqa", "evaluate", "--model", "embedded", "--data",
                        "{SQA}", "--format", "coco"),
                bad(2, "--model: unknown embedded model 'embedded:nope'", "evaluate", "--model", "embedded:nope", "--data", "{SQA}"),
                bad(2, "--template: unknown template name 'sciqa'", "evaluate", "--model", "embedded", "--data", "{SQA}",
                        "--template", "sciqa"),
                bad(2, "--template: ", "evaluate", "--model", "embedded", "--data", "{SQA}", "--template", "Q: {questoin}"),
                bad(2, "--all keeps every record", "evaluate", "--model", "embedded", "--data", "{SQA}", "--all", "--images-only"),
                bad(2, "--lora-rank must be > 0, got 0", "inspect", config, "--lora-rank", "0", "--target", "LLM_FFN"),
                bad(2, "--ranks must be >= 1, got 0", "sweep", "--output", "{TMP}/s", "--ranks", "0"),
                bad(2, "give exactly one of --prompt and --question", "generate", "--model", "embedded", "--image", "x.png"),
                // bad input files and data: exit 1
                bad(1, "bad.json: line 1: invalid JSON: Unexpected end-of-input", "score", "--format", "scienceqa", "--root",
                        "{SQA}", "--predictions", "{TMP}/bad.json"),
                bad(1, "no-model: no such model directory (--model)", "evaluate", "--model", "{TMP}/no-model", "--data", "{SQA}"),
                bad(1, "no-adapter: no such adapter directory (--adapter)", "evaluate", "--model", "embedded", "--adapter",
                        "{TMP}/no-adapter", "--data", "{SQA}"),
                bad(1, "mmpeft_task.json: answer_format: unknown 'letters'", "evaluate", "--model", "embedded", "--adapter",
                        "{TMP}/bad-card", "--data", "{SQA}"),
                bad(1, "image.png does not exist (a partial download: --missing-images skip trains on the records whose images"
                        + " are there)", "train", "--model", "embedded", "--data", "{SQA}", "--output", "{TMP}/t1"),
                bad(1, "the train split has no example to train on (questions with an image; 28 left out by the selection, 22"
                        + " skipped because their image file is missing)", "train", "--model", "embedded", "--data", "{SQA}",
                        "--output", "{TMP}/t2", "--missing-images", "skip"),
                bad(1, "locked is in use by another run (process ", "quickstart", "--output", "{TMP}/locked"));
    }

    private static Arguments bad(int exit, String message, String... args) {
        return Arguments.of(exit, message, List.of(args));
    }

    @ParameterizedTest(name = "[{index}] exit {0}: {1}")
    @MethodSource("cases")
    void badInputGivesItsExitCodeAndOneReadableLine(int exit, String message, List<String> args) {
        String sqa = CliRunner.shared("data/scienceqa-sample").toString();
        String[] argv = args.stream().map(a -> a.replace("{SQA}", sqa).replace("{TMP}", tmp.toString())).toArray(String[]::new);
        CliRunner r = CliRunner.run(argv);
        assertEquals(exit, r.code(), r.toString());
        List<String> lines = r.errLines();
        if (exit == 1) {
            assertEquals(1, lines.size(), "one line: " + r.err());
        } else {
            assertEquals(2, lines.size(), "one line and the pointer to --help: " + r.err());
            assertTrue(lines.get(1).startsWith("Try 'mmpeft ") && lines.get(1).endsWith("--help' for usage."), r.err());
        }
        assertTrue(lines.get(0).startsWith("mmpeft"), r.err());
        assertTrue(lines.get(0).contains(message), "expected '" + message + "' in: " + r.err());
        assertFalse(INTERNALS.matcher(r.err()).find(), "library internals in: " + r.err());
    }
}
