package dev.mmpeft.datasets.synthetic;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.DatasetException;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** Writes generated records in the official on-disk layouts, streaming: memory holds one record at a time. */
final class LayoutWriter {
    enum Layout { SCIENCEQA, ICONQA, JSONL }

    static final List<String> ICONQA_TASKS = List.of("choose_txt", "choose_img", "fill_in_blank");
    private static final List<String> SPLITS = List.of("train", "val", "test");
    private static final ObjectWriter LINE = Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT);
    /** Pretty, keys in the order written (train, val, test, ...; pids in order), as the releases have them. */
    private static final ObjectWriter ORDERED = Json.mapper().writer()
            .without(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final SyntheticDataset config;
    private final Generator generator;

    LayoutWriter(SyntheticDataset config) {
        this.config = config;
        this.generator = new Generator(config);
    }

    Path write(Path dir, boolean replace, Layout layout) {
        Path target = dir.toAbsolutePath().normalize();
        if (!replace && !SyntheticDataset.isEmptyOrAbsent(target)) {
            throw new DatasetException(target, null, null,
                    "already exists and is not empty (choose a new folder, or replace it explicitly)");
        }
        try {
            AtomicFiles.writeDirectory(target, tmp -> {
                switch (layout) {
                    case SCIENCEQA -> scienceQa(tmp);
                    case ICONQA -> iconQa(tmp);
                    default -> jsonl(tmp);
                }
                // plain writes inside the temporary folder: the whole folder is renamed into place at the end
                Files.writeString(tmp.resolve("synthetic.json"), Json.write(settings(layout)));
            });
        } catch (IOException e) {
            throw new DatasetException(target, null, null, "cannot write the synthetic dataset: " + e.getMessage(), e);
        }
        return target;
    }

    private void scienceQa(Path dir) throws IOException {
        Map<String, List<String>> splits = new LinkedHashMap<>();
        try (OutputStream po = Files.newOutputStream(dir.resolve("problems.json"));
                OutputStream co = Files.newOutputStream(dir.resolve("captions.json"));
                JsonGenerator problems = Json.mapper().getFactory().createGenerator(po);
                JsonGenerator captions = Json.mapper().getFactory().createGenerator(co)) {
            problems.useDefaultPrettyPrinter();
            captions.useDefaultPrettyPrinter();
            problems.writeStartObject();
            captions.writeStartObject();
            captions.writeStringField("model", "mmpeft synthetic generator (captions state the answer)");
            captions.writeObjectFieldStart("captions");
            for (String split : SPLITS) {
                List<String> pids = new ArrayList<>();
                for (int i = 0; i < config.size(split); i++) {
                    SyntheticRecord r = config.record(split, i);
                    pids.add(r.pid());
                    problems.writeFieldName(r.pid());
                    problems.writeTree(scienceQaRecord(r));
                    captions.writeStringField(r.pid(), r.hasImage() ? r.caption() : "");
                    if (r.hasImage()) {
                        png(config.render(r.scene()), dir.resolve("images").resolve(split).resolve(r.pid()).resolve("image.png"));
                    }
                }
                splits.put(split, pids);
            }
            captions.writeEndObject();
            captions.writeEndObject();
            problems.writeEndObject();
        }
        Files.writeString(dir.resolve("pid_splits.json"), ordered(withDerivedSplits(splits, "")));
    }

    private ObjectNode scienceQaRecord(SyntheticRecord r) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("question", r.question());
        ArrayNode choices = n.putArray("choices");
        r.choices().forEach(choices::add);
        n.put("answer", r.answer());
        n.put("hint", r.hint());
        if (r.hasImage()) {
            n.put("image", "image.png");
        } else {
            n.putNull("image");
        }
        n.put("task", "closed choice");
        n.put("grade", r.grade());
        n.put("subject", r.family().subject());
        n.put("topic", r.family().topic());
        n.put("category", r.family().category());
        n.put("skill", r.family().skill());
        n.put("lecture", r.lecture());
        n.put("solution", r.solution());
        n.put("split", r.split());
        return n;
    }

    private void iconQa(Path dir) throws IOException {
        Map<String, List<String>> splits = new LinkedHashMap<>();
        Map<String, List<String>> skills = new LinkedHashMap<>();
        int pid = 0;
        try (OutputStream po = Files.newOutputStream(dir.resolve("problems.json"));
                JsonGenerator problems = Json.mapper().getFactory().createGenerator(po)) {
            problems.useDefaultPrettyPrinter();
            problems.writeStartObject();
            for (String task : config.iconQaSubtasks()) {
                Generator.Mode mode = switch (task) {
                    case "fill_in_blank" -> Generator.Mode.FILL_IN_BLANK;
                    case "choose_img" -> Generator.Mode.CHOOSE_IMAGE;
                    default -> Generator.Mode.MULTIPLE_CHOICE;
                };
                for (String split : SPLITS) {
                    List<String> pids = new ArrayList<>();
                    for (int i = 0; i < config.size(split); i++) {
                        SyntheticRecord r = generator.record(String.valueOf(++pid), split, i, mode);
                        pids.add(r.pid());
                        ObjectNode data = iconQaRecord(r, task);
                        Path folder = dir.resolve("iconqa").resolve(split).resolve(task).resolve(r.pid());
                        Files.createDirectories(folder);
                        Files.writeString(folder.resolve("data.json"), Json.write(data));
                        png(config.render(r.scene()), folder.resolve("image.png"));
                        for (int k = 0; k < r.choiceScenes().size(); k++) {
                            png(config.render(r.choiceScenes().get(k)), folder.resolve(r.choices().get(k)));
                        }
                        ObjectNode full = data.deepCopy();
                        full.put("split", split);
                        problems.writeFieldName(r.pid());
                        problems.writeTree(full);
                        skills.put(r.pid(), List.of(r.family().iconQaSkill()));
                    }
                    splits.put(task + "_" + split, pids);
                }
            }
            problems.writeEndObject();
        }
        Map<String, List<String>> all = new LinkedHashMap<>();
        for (String task : config.iconQaSubtasks()) {
            Map<String, List<String>> one = new LinkedHashMap<>();
            for (String split : SPLITS) {
                one.put(split, splits.get(task + "_" + split));
            }
            all.putAll(withDerivedSplits(one, task + "_"));
        }
        Files.writeString(dir.resolve("pid_splits.json"), ordered(all));
        Files.writeString(dir.resolve("pid2skills.json"), ordered(skills));
    }

    private static ObjectNode iconQaRecord(SyntheticRecord r, String task) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("question", r.question());
        if (task.equals("fill_in_blank")) {
            n.put("answer", r.answerText());
        } else {
            ArrayNode choices = n.putArray("choices");
            r.choices().forEach(choices::add);
            n.put("answer", r.answer());
        }
        n.put("ques_type", task);
        n.put("grade", r.iconQaGrade());
        n.put("label", r.family().label());
        return n;
    }

    private void jsonl(Path dir) throws IOException {
        for (String split : SPLITS) {
            try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(
                    Files.newOutputStream(dir.resolve(split + ".jsonl")), StandardCharsets.UTF_8))) {
                for (int i = 0; i < config.size(split); i++) {
                    SyntheticRecord r = config.record(split, i);
                    String image = null;
                    if (r.hasImage()) {
                        image = "images/" + split + "/" + r.pid() + ".png";
                        png(config.render(r.scene()), dir.resolve(image));
                    }
                    w.write(LINE.writeValueAsString(jsonlRecord(r, r.pid(), image)));
                    w.write('\n');
                }
            }
        }
    }

    Path writePool(Path file, long count, int pool) {
        if (count < 0 || pool < 1 || pool > Math.max(1, config.train())) {
            throw new IllegalArgumentException("count must be >= 0 and imagePool 1..train (" + config.train() + "), got "
                    + count + " and " + pool);
        }
        Path target = file.toAbsolutePath().normalize();
        Path dir = target.getParent();
        try {
            List<ObjectNode> records = new ArrayList<>(pool);
            for (int k = 0; k < pool; k++) {
                SyntheticRecord r = config.record("train", k);
                String image = null;
                if (r.hasImage()) {
                    image = "images/pool/" + k + ".png";
                    Path p = dir.resolve(image);
                    AtomicFiles.write(p, out -> ImageIO.write(config.render(r.scene()), "png", out));
                }
                records.add(jsonlRecord(r, "", image));
            }
            AtomicFiles.write(target, out -> {
                BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
                for (long k = 0; k < count; k++) {
                    ObjectNode n = records.get((int) (k % pool));
                    n.put("id", String.valueOf(k + 1));
                    w.write(LINE.writeValueAsString(n));
                    w.write('\n');
                }
                w.flush();
            });
        } catch (IOException e) {
            throw new DatasetException(target, null, null, "cannot write: " + e.getMessage(), e);
        }
        return target;
    }

    private static ObjectNode jsonlRecord(SyntheticRecord r, String id, String image) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("id", id);
        if (image != null) {
            n.put("image", image);
        }
        n.put("question", r.question());
        ArrayNode choices = n.putArray("choices");
        r.choices().forEach(choices::add);
        n.put("answer", r.answer());
        n.put("context", r.hint());
        n.put("lecture", r.lecture());
        n.put("split", r.split());
        n.put("subject", r.family().subject());
        n.put("grade", r.grade());
        n.put("topic", r.family().topic());
        n.put("category", r.family().category());
        n.put("skill", r.family().skill());
        n.put("solution", r.solution());
        return n;
    }

    /** train/val/test plus trainval and the mini splits (first {@link SyntheticDataset#miniFraction()} of each). */
    private Map<String, List<String>> withDerivedSplits(Map<String, List<String>> splits, String prefix) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String s : SPLITS) {
            out.put(prefix + s, splits.get(s));
        }
        List<String> trainval = new ArrayList<>(splits.get("train"));
        trainval.addAll(splits.get("val"));
        out.put(prefix + "trainval", trainval);
        for (String s : SPLITS) {
            List<String> pids = splits.get(s);
            int n = pids.isEmpty() ? 0 : Math.max(1, (int) Math.ceil(pids.size() * config.miniFraction()));
            out.put(prefix + "mini" + s, pids.subList(0, n));
        }
        return out;
    }

    private Map<String, Object> settings(Layout layout) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("generator", "mmpeft synthetic shapes");
        s.put("layout", layout.name().toLowerCase(java.util.Locale.ROOT));
        s.put("seed", config.seed());
        s.put("variant", config.variant().name().toLowerCase(java.util.Locale.ROOT));
        s.put("families", config.families().stream().map(Enum::name).toList());
        s.put("train", config.train());
        s.put("val", config.val());
        s.put("test", config.test());
        s.put("image_size", config.imageSize());
        s.put("choices", config.choices());
        s.put("hint_fraction", config.hintFraction());
        s.put("text_only_fraction", config.textOnlyFraction());
        if (layout == Layout.ICONQA) {
            s.put("iconqa_subtasks", config.iconQaSubtasks());
        }
        return s;
    }

    private static String ordered(Object value) throws IOException {
        return ORDERED.writeValueAsString(value) + "\n";
    }

    private static void png(BufferedImage img, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer available");
        }
    }
}
