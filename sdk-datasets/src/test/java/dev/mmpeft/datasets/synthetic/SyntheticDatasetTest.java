package dev.mmpeft.datasets.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.DatasetException;
import dev.mmpeft.datasets.IconQa;
import dev.mmpeft.datasets.Jsonl;
import dev.mmpeft.datasets.ScienceQa;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator: layouts read back by the real readers, balance, determinism, and images that match their answers. */
class SyntheticDatasetTest {
    @TempDir Path tmp;

    private static SyntheticDataset small() {
        return SyntheticDataset.builder().seed(7).train(30).val(12).test(12).imageSize(64).build();
    }

    @Test
    void scienceQaLayoutReadsBack() throws Exception {
        Path dir = small().writeScienceQa(tmp.resolve("sqa"));
        List<MultimodalExample> all = ScienceQa.reader().root(dir).readAll();
        assertEquals(54, all.size());
        Map<String, Long> bySplit = all.stream().collect(Collectors.groupingBy(MultimodalExample::split, TreeMap::new,
                Collectors.counting()));
        assertEquals(Map.of("train", 30L, "val", 12L, "test", 12L), bySplit);
        assertEquals(3, ScienceQa.reader().root(dir).split("minitrain").readAll().size());
        assertEquals(42, ScienceQa.reader().root(dir).split("trainval").readAll().size());
        MultimodalExample first = all.get(0);
        assertEquals("1", first.id());
        assertEquals(4, first.choices().size());
        BufferedImage img = ImageIO.read(first.images().get(0).toFile());
        assertEquals(64, img.getWidth());
        assertEquals(64, img.getHeight());
        for (String f : List.of("subject", "grade", "topic", "category", "skill", "task", "caption", "solution")) {
            assertTrue(first.meta(f).isPresent(), f);
        }
        Prompt p = ScienceQa.template().render(first);
        assertTrue(p.input().startsWith("Context: "), p.input());
        assertTrue(p.input().endsWith(" Answer:"), p.input());
        assertEquals(p.candidates().get(first.answerIndex().getAsInt()), p.target().orElseThrow());
        JsonNode settings = Json.read(dir.resolve("synthetic.json"));
        assertEquals(7, settings.get("seed").asInt());
        assertEquals("base", settings.get("variant").asText());
    }

    @Test
    void breakdownGroupsAreNotTrivial() {
        SyntheticDataset d = SyntheticDataset.builder().seed(3).train(300).val(0).test(0).imageSize(32)
                .textOnlyFraction(0.2).build();
        List<SyntheticRecord> rs = d.records("train");
        Map<String, Long> subjects = rs.stream().collect(Collectors.groupingBy(r -> r.family().subject(),
                Collectors.counting()));
        assertEquals(3, subjects.size(), subjects.toString());
        long lower = rs.stream().filter(r -> Integer.parseInt(r.grade().substring(5)) <= 6).count();
        assertTrue(lower > 100 && lower < 200, "grades 1-6: " + lower);
        long hinted = rs.stream().filter(r -> !r.hint().isEmpty() && r.hasImage()).count();
        long textOnly = rs.stream().filter(r -> !r.hasImage()).count();
        assertTrue(hinted > 20 && textOnly > 30 && textOnly < 90, hinted + " " + textOnly);
        rs.stream().filter(r -> !r.hasImage()).forEach(r -> assertTrue(r.hint().contains("The shape is")
                || r.hint().startsWith("There "), r.hint()));
    }

    @Test
    void answersAreBalancedOverValuesAndPositions() {
        SyntheticDataset d = SyntheticDataset.builder().seed(11).train(360).val(0).test(0).imageSize(32).build();
        List<SyntheticRecord> rs = d.records("train");
        Map<QuestionFamily, List<SyntheticRecord>> byFamily = rs.stream().collect(Collectors.groupingBy(
                SyntheticRecord::family));
        assertEquals(3, byFamily.size());
        for (var e : byFamily.entrySet()) {
            assertEquals(120, e.getValue().size(), e.getKey().name());
            Map<Integer, Long> pos = e.getValue().stream().collect(Collectors.groupingBy(SyntheticRecord::answer,
                    Collectors.counting()));
            assertEquals(Map.of(0, 30L, 1, 30L, 2, 30L, 3, 30L), pos, e.getKey().name());
            Map<String, Long> values = e.getValue().stream().collect(Collectors.groupingBy(SyntheticRecord::answerText,
                    Collectors.counting()));
            assertEquals(e.getKey().answers().size(), values.size(), e.getKey().name());
            long max = values.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            long min = values.values().stream().mapToLong(Long::longValue).min().orElseThrow();
            assertTrue(max - min <= 1, e.getKey() + " " + values);
            for (SyntheticRecord r : e.getValue()) {
                assertEquals(4, r.choices().size());
                assertEquals(4, r.choices().stream().distinct().count(), r.choices().toString());
            }
        }
    }

    @Test
    void imagesShowTheirAnswers() {
        SyntheticDataset d = SyntheticDataset.builder().seed(5).train(150).val(0).test(0).imageSize(96)
                .families(List.of(QuestionFamily.COLOR, QuestionFamily.SHAPE, QuestionFamily.COUNT,
                        QuestionFamily.POSITION, QuestionFamily.SIZE))
                .build();
        for (SyntheticRecord r : d.records("train")) {
            BufferedImage img = d.render(r.scene());
            String answer = r.answerText();
            switch (r.family()) {
                case COLOR -> assertEquals(answer, dominantColor(img).word(), r.pid());
                case COUNT -> assertEquals(Integer.parseInt(answer), components(img), r.pid() + " " + r.scene());
                case POSITION -> {
                    double[] c = centroid(img);
                    String where = Math.abs(c[0] - 0.5) > Math.abs(c[1] - 0.5) ? (c[0] < 0.5 ? "left" : "right")
                            : (c[1] < 0.5 ? "top" : "bottom");
                    assertEquals(answer, where, r.pid());
                }
                case SIZE -> {
                    double extent = inkWidth(img);
                    assertEquals(answer, extent > 0.4 ? "big" : "small", r.pid() + " extent " + extent);
                }
                case SHAPE -> assertEquals(answer, shapeOf(img), r.pid() + " " + r.scene());
                default -> throw new AssertionError(r.family());
            }
        }
    }

    @Test
    void shiftedVariantAsksTheColorMatchFamily() throws Exception {
        SyntheticDataset d = SyntheticDataset.builder().variant(Variant.SHIFTED).seed(2).train(24).val(6).test(12)
                .imageSize(48).build();
        Path dir = d.writeScienceQa(tmp.resolve("shifted"));
        List<MultimodalExample> test = ScienceQa.reader().root(dir).split("test").readAll();
        assertEquals(12, test.size());
        List<String> things = QuestionFamily.COLOR_MATCH.answers();
        for (MultimodalExample e : test) {
            assertEquals("Which thing has the same color as the shape?", e.question());
            assertTrue(things.containsAll(e.choices()), e.choices().toString());
            BufferedImage img = ImageIO.read(e.images().get(0).toFile());
            assertEquals(dominantColor(img).thing(), e.answerText().orElseThrow(), e.id());
        }
        // no word of the shifted answers occurs in the base task
        SyntheticDataset base = SyntheticDataset.builder().seed(2).train(60).val(0).test(0).imageSize(32).build();
        for (SyntheticRecord r : base.records("train")) {
            for (String c : r.choices()) {
                assertFalse(things.contains(c), c);
            }
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherData() throws Exception {
        Path a = small().writeScienceQa(tmp.resolve("a"));
        Path b = small().writeScienceQa(tmp.resolve("b"));
        for (String f : List.of("problems.json", "pid_splits.json", "captions.json", "images/train/1/image.png",
                "images/test/54/image.png")) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
        Path c = SyntheticDataset.builder().from(small()).seed(8).build().writeScienceQa(tmp.resolve("c"));
        assertNotEquals(Files.readString(a.resolve("problems.json")), Files.readString(c.resolve("problems.json")));
        // val and test do not depend on the train size
        SyntheticDataset bigger = SyntheticDataset.builder().from(small()).train(100).build();
        assertEquals(small().record("test", 3).choices(), bigger.record("test", 3).choices());
        assertEquals(small().record("test", 3).scene(), bigger.record("test", 3).scene());
    }

    @Test
    void iconQaLayoutWithAllSubtasksReadsBack() throws Exception {
        SyntheticDataset d = SyntheticDataset.builder().seed(4).train(8).val(4).test(6).imageSize(40)
                .iconQaSubtasks(List.of("choose_txt", "choose_img", "fill_in_blank")).build();
        Path dir = d.writeIconQa(tmp.resolve("icon"));
        List<MultimodalExample> all = IconQa.reader().root(dir).readAll();
        assertEquals(54, all.size());
        Map<String, Long> byTask = all.stream().collect(Collectors.groupingBy(e -> e.meta("ques_type").orElseThrow(),
                TreeMap::new, Collectors.counting()));
        assertEquals(Map.of("choose_txt", 18L, "choose_img", 18L, "fill_in_blank", 18L), byTask);
        for (MultimodalExample e : all) {
            assertEquals(1, e.skills().size(), e.id());
            switch (e.meta("ques_type").orElseThrow()) {
                case "choose_img" -> {
                    assertEquals(4, e.choiceImages().size());
                    BufferedImage chosen = ImageIO.read(e.choiceImages().get(e.answerIndex().getAsInt()).toFile());
                    assertEquals(40, chosen.getWidth());
                }
                case "fill_in_blank" -> {
                    int n = Integer.parseInt(e.answers().get(0));
                    assertEquals(n, components(ImageIO.read(e.images().get(0).toFile())), e.id());
                }
                default -> assertEquals(4, e.choices().size());
            }
        }
        assertEquals(6, IconQa.reader().root(dir).split("test").subtasks(IconQa.FILL_IN_BLANK).readAll().size());
        assertEquals(1, IconQa.reader().root(dir).split("minitrain").subtasks(IconQa.CHOOSE_TXT).readAll().size());
        // the folder walk (no pid_splits.json) gives the same examples
        Files.delete(dir.resolve("pid_splits.json"));
        Files.delete(dir.resolve("problems.json"));
        List<MultimodalExample> walked = IconQa.reader().root(dir).readAll();
        assertEquals(all.stream().map(MultimodalExample::id).sorted().toList(),
                walked.stream().map(MultimodalExample::id).sorted().toList());
    }

    @Test
    void jsonlLayoutReadsBack() {
        SyntheticDataset d = SyntheticDataset.builder().seed(9).train(10).val(5).test(5).imageSize(32)
                .textOnlyFraction(0.3).build();
        Path dir = d.writeJsonl(tmp.resolve("jsonl"));
        List<MultimodalExample> all = Jsonl.reader().root(dir).readAll();
        assertEquals(20, all.size());
        assertEquals(5, Jsonl.reader().root(dir).split("val").readAll().size());
        Map<String, SyntheticRecord> expected = new HashMap<>();
        for (String s : List.of("train", "val", "test")) {
            d.records(s).forEach(r -> expected.put(r.pid(), r));
        }
        for (MultimodalExample e : all) {
            SyntheticRecord r = expected.get(e.id());
            assertEquals(r.answerText(), e.answerText().orElseThrow());
            assertEquals(r.hasImage(), !e.images().isEmpty());
            assertEquals(r.hint(), e.context());
        }
    }

    @Test
    void refusesToOverwriteAFolder() throws Exception {
        Path dir = tmp.resolve("busy");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("keep.txt"), "mine");
        DatasetException e = assertThrows(DatasetException.class, () -> small().writeScienceQa(dir));
        assertTrue(e.getMessage().contains("busy") && e.getMessage().contains("not empty"), e.getMessage());
        assertEquals("mine", Files.readString(dir.resolve("keep.txt")));
        small().writeScienceQa(dir, true);
        assertFalse(Files.exists(dir.resolve("keep.txt")));
        assertThrows(IllegalArgumentException.class, () -> SyntheticDataset.builder().choices(7).build());
        assertThrows(IllegalArgumentException.class, () -> SyntheticDataset.builder().imageSize(8).build());
    }

    // --- image analysis helpers (independent of the generator's own geometry) ---

    private static boolean ink(int rgb) {
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        return r + g + b < 3 * 235;
    }

    private static ShapeColor dominantColor(BufferedImage img) {
        Map<ShapeColor, Integer> votes = new HashMap<>();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                if (!ink(rgb)) {
                    continue;
                }
                ShapeColor best = null;
                double bestD = Double.MAX_VALUE;
                for (ShapeColor c : ShapeColor.values()) {
                    double dr = ((rgb >> 16) & 0xff) - c.rgb().getRed();
                    double dg = ((rgb >> 8) & 0xff) - c.rgb().getGreen();
                    double db = (rgb & 0xff) - c.rgb().getBlue();
                    double dist = dr * dr + dg * dg + db * db;
                    if (dist < bestD) {
                        bestD = dist;
                        best = c;
                    }
                }
                votes.merge(best, 1, Integer::sum);
            }
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    private static int components(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        boolean[] seen = new boolean[w * h];
        int n = 0;
        for (int i = 0; i < w * h; i++) {
            if (seen[i] || !ink(img.getRGB(i % w, i / w))) {
                continue;
            }
            n++;
            ArrayDeque<Integer> q = new ArrayDeque<>();
            q.add(i);
            seen[i] = true;
            while (!q.isEmpty()) {
                int p = q.poll();
                int x = p % w;
                int y = p / w;
                int[][] nb = {{x + 1, y}, {x - 1, y}, {x, y + 1}, {x, y - 1}};
                for (int[] c : nb) {
                    if (c[0] >= 0 && c[0] < w && c[1] >= 0 && c[1] < h) {
                        int k = c[1] * w + c[0];
                        if (!seen[k] && ink(img.getRGB(c[0], c[1]))) {
                            seen[k] = true;
                            q.add(k);
                        }
                    }
                }
            }
        }
        return n;
    }

    /** Classifies the single shape of an image from its ink: fill of its bounding box and of the box's bottom quarter. */
    private static String shapeOf(BufferedImage img) {
        int x0 = img.getWidth();
        int y0 = img.getHeight();
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if (ink(img.getRGB(x, y))) {
                    x0 = Math.min(x0, x);
                    y0 = Math.min(y0, y);
                    x1 = Math.max(x1, x);
                    y1 = Math.max(y1, y);
                }
            }
        }
        int all = 0;
        int bottom = 0;
        int yb = y1 - (y1 - y0 + 1) / 4;
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                if (ink(img.getRGB(x, y))) {
                    all++;
                    if (y > yb) {
                        bottom++;
                    }
                }
            }
        }
        double fill = (double) all / ((x1 - x0 + 1) * (y1 - y0 + 1));
        double bottomFill = (double) bottom / ((x1 - x0 + 1) * (y1 - yb));
        if (fill > 0.9) {
            return "square";
        }
        if (bottomFill < 0.45) {
            return "star";
        }
        return bottomFill > 0.8 ? "triangle" : "circle";
    }

    private static double[] centroid(BufferedImage img) {
        double sx = 0;
        double sy = 0;
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if (ink(img.getRGB(x, y))) {
                    sx += x + 0.5;
                    sy += y + 0.5;
                    n++;
                }
            }
        }
        return new double[] {sx / n / img.getWidth(), sy / n / img.getHeight()};
    }

    private static double inkWidth(BufferedImage img) {
        int x0 = img.getWidth();
        int x1 = -1;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if (ink(img.getRGB(x, y))) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                }
            }
        }
        return (x1 - x0 + 1.0) / img.getWidth();
    }
}
