package dev.mmpeft.datasets.synthetic;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.DatasetException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Writes generated scenes as open-ended tasks in the official layouts of PETAL's benchmarks:
 * captions in Flickr30K's Karpathy split file ({@code dataset_flickr30k.json}, five references per
 * image) and open questions in TextVQA's release files ({@code TextVQA_0.5.1_{split}.json}, ten
 * answers), read back by the same readers. Records without an image are skipped.
 *
 * <p>The references use the words of the embedded default model's vocabulary ("a red circle", "3
 * blue shapes"), so a tiny model can learn to caption the scenes. Unlike the TextVQA release, the
 * synthetic test split carries answers, so it can be scored.
 */
final class OpenLayoutWriter {
    private static final List<String> SPLITS = List.of("train", "val", "test");

    private final SyntheticDataset config;

    OpenLayoutWriter(SyntheticDataset config) {
        this.config = config;
    }

    /** The five reference captions of a scene. */
    static List<String> captions(List<Shape> scene) {
        Shape s = scene.get(0);
        String c = s.color().word();
        String k = s.kind().word();
        int n = scene.size();
        if (n == 1) {
            return List.of("a " + c + " " + k, "a " + c + " " + k + " in the picture", "the " + c + " " + k, "one " + c + " " + k,
                    "there is a " + c + " " + k);
        }
        return List.of(n + " " + c + " shapes", "there are " + n + " " + c + " shapes", n + " " + c + " things",
                "the " + n + " " + c + " shapes", n + " " + c + " " + k + " shapes");
    }

    Path writeFlickr30k(Path dir, boolean replace) {
        return write(dir, replace, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp.resolve("dataset_flickr30k.json"));
                    JsonGenerator g = Json.mapper().getFactory().createGenerator(out)) {
                g.writeStartObject();
                g.writeArrayFieldStart("images");
                int imgid = 0;
                int sentid = 0;
                for (String split : SPLITS) {
                    for (int i = 0; i < config.size(split); i++) {
                        SyntheticRecord r = config.record(split, i);
                        if (!r.hasImage()) {
                            continue;
                        }
                        String photo = String.valueOf(100000 + imgid);
                        jpeg(config.render(r.scene()), tmp.resolve("flickr30k-images").resolve(photo + ".jpg"));
                        g.writeStartObject();
                        g.writeStringField("filename", photo + ".jpg");
                        g.writeNumberField("imgid", imgid++);
                        g.writeStringField("split", split);
                        g.writeArrayFieldStart("sentences");
                        for (String caption : captions(r.scene())) {
                            g.writeStartObject();
                            g.writeStringField("raw", caption);
                            g.writeArrayFieldStart("tokens");
                            for (String t : caption.split(" ")) {
                                g.writeString(t);
                            }
                            g.writeEndArray();
                            g.writeNumberField("imgid", imgid - 1);
                            g.writeNumberField("sentid", sentid++);
                            g.writeEndObject();
                        }
                        g.writeEndArray();
                        g.writeEndObject();
                    }
                }
                g.writeEndArray();
                g.writeStringField("dataset", "flickr30k");
                g.writeEndObject();
            }
        });
    }

    Path writeTextVqa(Path dir, boolean replace) {
        return write(dir, replace, tmp -> {
            int qid = 0;
            for (String split : SPLITS) {
                try (OutputStream out = Files.newOutputStream(tmp.resolve("TextVQA_0.5.1_" + split + ".json"));
                        JsonGenerator g = Json.mapper().getFactory().createGenerator(out)) {
                    g.writeStartObject();
                    g.writeStringField("dataset_type", split);
                    g.writeStringField("dataset_name", "textvqa");
                    g.writeArrayFieldStart("data");
                    for (int i = 0; i < config.size(split); i++) {
                        SyntheticRecord r = config.record(split, i);
                        if (!r.hasImage()) {
                            continue;
                        }
                        String image = split + String.format("%06d", i);
                        jpeg(config.render(r.scene()), tmp.resolve(split.equals("test") ? "test_images" : "train_images")
                                .resolve(image + ".jpg"));
                        g.writeStartObject();
                        g.writeNumberField("question_id", qid++);
                        g.writeStringField("image_id", image);
                        g.writeStringField("question", r.question());
                        g.writeArrayFieldStart("answers");
                        for (int a = 0; a < 10; a++) {
                            g.writeString(r.answerText());
                        }
                        g.writeEndArray();
                        g.writeStringField("set_name", split);
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
            }
        });
    }

    private Path write(Path dir, boolean replace, AtomicFiles.IoConsumer<Path> filler) {
        Path target = dir.toAbsolutePath().normalize();
        if (!replace && !SyntheticDataset.isEmptyOrAbsent(target)) {
            throw new DatasetException(target, null, null, "already exists and is not empty (choose a new folder, or replace it explicitly)");
        }
        try {
            AtomicFiles.writeDirectory(target, filler);
        } catch (IOException e) {
            throw new DatasetException(target, null, null, "cannot write the synthetic dataset: " + e.getMessage(), e);
        }
        return target;
    }

    private static void jpeg(BufferedImage img, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, "jpg", file.toFile())) {
            throw new IOException("no JPEG writer available");
        }
    }
}
