package dev.mmpeft.datasets.open;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes each open format's official layout with {@code n} generated records (short texts, four
 * image files shared by all records, as many records of a real release share few images only in
 * spirit), for the streaming-memory test. Each writer returns the dataset folder.
 */
final class LargeOpenFiles {
    private LargeOpenFiles() {}

    private interface Body {
        void write(BufferedWriter w) throws IOException;
    }

    private static void write(Path file, Body body) {
        try {
            Files.createDirectories(file.getParent());
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                body.write(w);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void images(Path folder, String... names) {
        try {
            for (int i = 0; i < names.length; i++) {
                Files.createDirectories(folder);
                OpenFixtureImages.write(folder.resolve(names[i]), i);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String answers(int n, long seed) {
        StringBuilder sb = new StringBuilder("[");
        for (int k = 0; k < n; k++) {
            sb.append(k == 0 ? "" : ",").append("\"a").append((seed + k) % 3).append('"');
        }
        return sb.append(']').toString();
    }

    /** Karpathy split, {@code n} test images with five captions each (unique photos: read without image checks). */
    static Path flickr30k(Path root, int n) {
        write(root.resolve("dataset_flickr30k.json"), w -> {
            w.write("{\"images\": [\n");
            for (int i = 0; i < n; i++) {
                w.write(i == 0 ? "" : ",\n");
                w.write("{\"filename\": \"" + (1_000_000_000L + i) + ".jpg\", \"imgid\": " + i + ", \"split\": \"test\", \"sentences\": [");
                for (int k = 0; k < 5; k++) {
                    w.write((k == 0 ? "" : ",") + "{\"raw\": \"a dog " + k + ".\", \"sentid\": " + (5L * i + k) + "}");
                }
                w.write("]}");
            }
            w.write("\n], \"dataset\": \"flickr30k\"}\n");
        });
        return root;
    }

    /** TextCaps train, {@code n} caption entries over four images. */
    static Path textCaps(Path root, int n) {
        write(root.resolve("TextCaps_0.1_train.json"), w -> {
            w.write("{\"dataset_type\": \"train\", \"data\": [\n");
            for (int i = 0; i < n; i++) {
                w.write((i == 0 ? "" : ",\n") + "{\"image_id\": \"img" + (i % 4) + "\", \"caption_id\": " + i
                        + ", \"caption_str\": \"a sign " + i + "\", \"set_name\": \"train\"}");
            }
            w.write("\n]}\n");
        });
        images(root.resolve("train_images"), "img0.jpg", "img1.jpg", "img2.jpg", "img3.jpg");
        return root;
    }

    /** OK-VQA val, {@code n} questions; the annotations in reverse order (joined through the index). */
    static Path okVqa(Path root, int n) {
        write(root.resolve("OpenEnded_mscoco_val2014_questions.json"), w -> {
            w.write("{\"data_subtype\": \"val2014\", \"questions\": [\n");
            for (int i = 0; i < n; i++) {
                w.write((i == 0 ? "" : ",\n") + "{\"image_id\": " + (i % 4 + 1) + ", \"question\": \"q" + i + "?\", \"question_id\": "
                        + (i + 1) + "}");
            }
            w.write("\n]}\n");
        });
        write(root.resolve("mscoco_val2014_annotations.json"), w -> {
            w.write("{\"annotations\": [\n");
            for (int i = n - 1; i >= 0; i--) {
                w.write((i == n - 1 ? "" : ",\n") + "{\"question_id\": " + (i + 1) + ", \"image_id\": " + (i % 4 + 1)
                        + ", \"answer_type\": \"other\", \"answers\": [");
                for (int k = 0; k < 10; k++) {
                    w.write((k == 0 ? "" : ",") + "{\"answer\": \"a" + (i + k) % 3 + "\"}");
                }
                w.write("]}");
            }
            w.write("\n]}\n");
        });
        images(root.resolve("val2014"), "COCO_val2014_000000000001.jpg", "COCO_val2014_000000000002.jpg",
                "COCO_val2014_000000000003.jpg", "COCO_val2014_000000000004.jpg");
        return root;
    }

    /** A-OKVQA val, {@code n} questions; the correct choice of question i is i % 4. */
    static Path aOkVqa(Path root, int n) {
        write(root.resolve("aokvqa_v1p0_val.json"), w -> {
            w.write("[\n");
            for (int i = 0; i < n; i++) {
                w.write((i == 0 ? "" : ",\n") + "{\"question_id\": \"q" + i + "\", \"image_id\": " + (i % 4 + 1) + ", \"question\": \"q"
                        + i + "?\", \"choices\": [\"w\", \"x\", \"y\", \"z\"], \"correct_choice_idx\": " + (i % 4)
                        + ", \"direct_answers\": " + answers(10, i) + ", \"difficult_direct_answer\": false}");
            }
            w.write("\n]\n");
        });
        images(root.resolve("val2017"), "000000000001.jpg", "000000000002.jpg", "000000000003.jpg", "000000000004.jpg");
        return root;
    }

    /** TextVQA val, {@code n} questions over four images, with OCR tokens. */
    static Path textVqa(Path root, int n) {
        write(root.resolve("TextVQA_0.5.1_val.json"), w -> {
            w.write("{\"dataset_type\": \"val\", \"data\": [\n");
            for (int i = 0; i < n; i++) {
                w.write((i == 0 ? "" : ",\n") + "{\"question_id\": " + i + ", \"image_id\": \"img" + (i % 4) + "\", \"question\": \"q" + i
                        + "?\", \"answers\": " + answers(10, i) + ", \"ocr_tokens\": [\"T" + i + "\"], \"set_name\": \"val\"}");
            }
            w.write("\n]}\n");
        });
        images(root.resolve("train_images"), "img0.jpg", "img1.jpg", "img2.jpg", "img3.jpg");
        return root;
    }
}
