package dev.mmpeft.datasets.synthetic;

import com.google.common.collect.ImmutableList;
import dev.mmpeft.datasets.SeededRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes record {@code i} of a split from the seed alone, so any record can be produced without
 * the others (writers stream; changing the train size leaves val and test unchanged).
 *
 * <p>Balance: within a split, families take turns in shuffled blocks, and per family the correct
 * value and the correct option position each run through shuffled blocks of all possibilities:
 * every answer value and every position occurs equally often (exactly, per full block), so a
 * model that ignores the image scores chance, and one that always picks "(a)" scores chance too.
 */
final class Generator {
    enum Mode { MULTIPLE_CHOICE, FILL_IN_BLANK, CHOOSE_IMAGE }

    private static final long SALT_FAMILY = 0x46414d;
    private static final long SALT_VALUE = 0x56414c;
    private static final long SALT_POS = 0x504f53;
    private static final long SALT_RECORD = 0x524543;

    private final SyntheticDataset config;

    Generator(SyntheticDataset config) {
        this.config = config;
    }

    static int splitIndex(String split) {
        switch (split) {
            case "train":
                return 0;
            case "val":
                return 1;
            case "test":
                return 2;
            default:
                throw new IllegalArgumentException("split must be train, val or test, got '" + split + "'");
        }
    }

    SyntheticRecord record(String pid, String split, int i, Mode mode) {
        long s = splitIndex(split);
        long m = mode.ordinal();
        SeededRandom rng = SeededRandom.of(config.seed(), SALT_RECORD, m, s, i);
        String grade = "grade" + (1 + rng.nextInt(12));
        switch (mode) {
            case FILL_IN_BLANK:
                return fill(pid, split, i, s, rng, grade);
            case CHOOSE_IMAGE:
                return chooseImage(pid, split, i, s, rng, grade);
            default:
                return multipleChoice(pid, split, i, s, rng, grade);
        }
    }

    private SyntheticRecord multipleChoice(String pid, String split, int i, long s, SeededRandom rng, String grade) {
        List<QuestionFamily> families = config.families();
        int f = families.size();
        int famIdx = balanced(f, i, SALT_FAMILY, s);
        QuestionFamily family = families.get(famIdx);
        long j = i / f; // each block of f records holds every family once: this is the family's j-th record
        List<String> values = family.answers();
        int v = values.size();
        int c = Math.min(config.choices(), v);
        int value = balanced(v, j, SALT_VALUE, s, family.ordinal());
        int pos = balanced(c, j, SALT_POS, s, family.ordinal());
        List<String> choices = options(values, value, pos, c, rng);
        List<Shape> scene = scene(family, value, rng);
        boolean textOnly = rng.nextDouble() < config.textOnlyFraction();
        boolean withHint = rng.nextDouble() < config.hintFraction();
        String answer = values.get(value);
        String hint = textOnly ? fact(family, scene, answer) : withHint ? "Look at the picture." : "";
        return new SyntheticRecord(pid, split, family, textOnly ? List.of() : scene, family.question(), choices, pos,
                hint, grade, caption(scene), fact(family, scene, answer) + " So the answer is " + answer + ".",
                List.of());
    }

    private SyntheticRecord fill(String pid, String split, int i, long s, SeededRandom rng, String grade) {
        QuestionFamily family = QuestionFamily.COUNT;
        int value = balanced(family.answers().size(), i, SALT_VALUE, s, 100 + family.ordinal());
        List<Shape> scene = scene(family, value, rng);
        String answer = family.answers().get(value);
        return new SyntheticRecord(pid, split, family, scene, family.question(), List.of(answer), 0, "", grade,
                caption(scene), fact(family, scene, answer), List.of());
    }

    private SyntheticRecord chooseImage(String pid, String split, int i, long s, SeededRandom rng, String grade) {
        QuestionFamily family = QuestionFamily.SHAPE;
        List<String> values = family.answers();
        int c = Math.min(config.choices(), values.size());
        int value = balanced(values.size(), i, SALT_VALUE, s, 200 + family.ordinal());
        int pos = balanced(c, i, SALT_POS, s, 200 + family.ordinal());
        List<String> kinds = options(values, value, pos, c, rng);
        List<Shape> scene = scene(family, value, rng);
        ImmutableList.Builder<List<Shape>> choiceScenes = ImmutableList.builder();
        ImmutableList.Builder<String> files = ImmutableList.builder();
        for (int k = 0; k < c; k++) {
            ShapeKind kind = ShapeKind.valueOf(kinds.get(k).toUpperCase(java.util.Locale.ROOT));
            ShapeColor color = ShapeColor.values()[rng.nextInt(ShapeColor.values().length)];
            choiceScenes.add(List.of(new Shape(kind, color, 0.5, 0.5, 0.6)));
            files.add("choice_" + k + ".png");
        }
        return new SyntheticRecord(pid, split, family, scene, "Which picture shows the same shape?", files.build(), pos,
                "", grade, caption(scene), "The shape is a " + values.get(value) + ".", choiceScenes.build());
    }

    /** {@code c} options: the answer at {@code pos}, the others drawn from the remaining values. */
    private static List<String> options(List<String> values, int value, int pos, int c, SeededRandom rng) {
        List<String> others = new ArrayList<>(values);
        others.remove(value);
        shuffle(others, rng);
        List<String> out = new ArrayList<>(c);
        int next = 0;
        for (int k = 0; k < c; k++) {
            out.add(k == pos ? values.get(value) : others.get(next++));
        }
        return List.copyOf(out);
    }

    /** The scene for a family whose answer is {@code value}. */
    private static List<Shape> scene(QuestionFamily family, int value, SeededRandom rng) {
        ShapeKind[] kinds = ShapeKind.values();
        ShapeColor[] colors = ShapeColor.values();
        ShapeKind kind = kinds[rng.nextInt(kinds.length)];
        ShapeColor color = colors[rng.nextInt(colors.length)];
        switch (family) {
            case COLOR:
            case COLOR_MATCH: {
                double size = uniform(rng, 0.35, 0.6);
                return List.of(new Shape(kind, colors[value], free(rng, size), free(rng, size), size));
            }
            case SHAPE: {
                double size = uniform(rng, 0.4, 0.65);
                return List.of(new Shape(kinds[value], color, free(rng, size), free(rng, size), size));
            }
            case COUNT: {
                int n = value + 1;
                double size = uniform(rng, 0.16, 0.22);
                List<Integer> cells = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8));
                shuffle(cells, rng);
                List<Shape> out = new ArrayList<>(n);
                double slack = (1.0 / 3 - size) / 2 * 0.8;
                for (int k = 0; k < n; k++) {
                    int cell = cells.get(k);
                    double cx = (cell % 3 + 0.5) / 3 + uniform(rng, -slack, slack);
                    double cy = (cell / 3 + 0.5) / 3 + uniform(rng, -slack, slack);
                    out.add(new Shape(kind, color, cx, cy, size));
                }
                return List.copyOf(out);
            }
            case POSITION: {
                double size = uniform(rng, 0.22, 0.3);
                double along = 0.2 + uniform(rng, -0.04, 0.04);
                double across = 0.5 + uniform(rng, -0.08, 0.08);
                switch (value) {
                    case 0:
                        return List.of(new Shape(kind, color, along, across, size));
                    case 1:
                        return List.of(new Shape(kind, color, 1 - along, across, size));
                    case 2:
                        return List.of(new Shape(kind, color, across, along, size));
                    default:
                        return List.of(new Shape(kind, color, across, 1 - along, size));
                }
            }
            case SIZE: {
                if (value == 0) {
                    double size = uniform(rng, 0.6, 0.8);
                    return List.of(new Shape(kind, color, 0.5 + uniform(rng, -0.05, 0.05),
                            0.5 + uniform(rng, -0.05, 0.05), size));
                }
                double size = uniform(rng, 0.15, 0.25);
                return List.of(new Shape(kind, color, free(rng, size), free(rng, size), size));
            }
            default:
                throw new IllegalStateException(family.name());
        }
    }

    /** The fact a question asks about, as a sentence (the hint of text-only records; part of the solution). */
    private static String fact(QuestionFamily family, List<Shape> scene, String answer) {
        Shape first = scene.get(0);
        switch (family) {
            case COLOR:
                return "The shape is " + answer + ".";
            case COLOR_MATCH:
                return "The shape is " + first.color().word() + ", like a " + answer + ".";
            case SHAPE:
                return "The shape is a " + answer + ".";
            case COUNT:
                return "There " + (scene.size() == 1 ? "is 1 shape." : "are " + scene.size() + " shapes.");
            case POSITION:
                return "The shape is at the " + answer + ".";
            default:
                return "The shape is " + answer + ".";
        }
    }

    private static String caption(List<Shape> scene) {
        Shape s = scene.get(0);
        String what = s.color().word() + " " + s.kind().word();
        return scene.size() == 1 ? "A " + what + " on a white background."
                : scene.size() + " " + what + "s on a white background.";
    }

    private static double free(SeededRandom rng, double size) {
        double margin = size / 2 + 0.02;
        return uniform(rng, margin, 1 - margin);
    }

    private static double uniform(SeededRandom rng, double lo, double hi) {
        return rng.uniform(lo, hi);
    }

    /** Element {@code j % n} of the {@code j / n}-th shuffled block of 0..n-1. */
    private int balanced(int n, long j, long... salt) {
        long[] key = new long[salt.length + 2];
        key[0] = config.seed();
        System.arraycopy(salt, 0, key, 1, salt.length);
        key[key.length - 1] = j / n;
        int[] perm = new int[n];
        for (int k = 0; k < n; k++) {
            perm[k] = k;
        }
        SeededRandom rng = new SeededRandom(SeededRandom.hash(key));
        for (int k = n - 1; k > 0; k--) {
            int r = rng.nextInt(k + 1);
            int t = perm[k];
            perm[k] = perm[r];
            perm[r] = t;
        }
        return perm[(int) (j % n)];
    }

    private static <T> void shuffle(List<T> list, SeededRandom rng) {
        for (int k = list.size() - 1; k > 0; k--) {
            int r = rng.nextInt(k + 1);
            T t = list.get(k);
            list.set(k, list.get(r));
            list.set(r, t);
        }
    }
}
