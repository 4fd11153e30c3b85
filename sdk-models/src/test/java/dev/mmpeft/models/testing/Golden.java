package dev.mmpeft.models.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A golden case written by {@code src/test/python/llm_reference.py}: a tiny checkpoint in Hugging
 * Face layout and {@code expected.json} with the outputs transformers' math gives for it.
 */
public final class Golden {
    private final Path directory;
    private final JsonNode expected;

    private Golden(Path directory, JsonNode expected) {
        this.directory = directory;
        this.expected = expected;
    }

    /** Loads {@code golden/NAME} from the test resources; a missing case fails the test. */
    public static Golden of(String name) {
        try {
            var url = Golden.class.getResource("/golden/" + name + "/expected.json");
            if (url == null) {
                throw new AssertionError("missing golden case " + name + " (run src/test/python/llm_reference.py)");
            }
            Path file = Path.of(url.toURI());
            return new Golden(file.getParent(), Json.read(file));
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    public Path directory() {
        return directory;
    }

    public JsonNode json() {
        return expected;
    }

    /** An integer matrix field as an int64 array. */
    public NDArray longs(NDManager manager, String field) {
        return longs(manager, expected.get(field));
    }

    public static NDArray longs(NDManager manager, JsonNode matrix) {
        int rows = matrix.size();
        int cols = matrix.get(0).size();
        long[] data = new long[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                data[r * cols + c] = matrix.get(r).get(c).asLong();
            }
        }
        return manager.create(data, new Shape(rows, cols));
    }

    /** A flat float list field. */
    public float[] floats(String field) {
        JsonNode n = expected.get(field);
        float[] out = new float[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) n.get(i).asDouble();
        }
        return out;
    }

    /** A list of integer lists (token sequences). */
    public static List<List<Long>> sequences(JsonNode node) {
        List<List<Long>> out = new ArrayList<>();
        for (JsonNode row : node) {
            List<Long> seq = new ArrayList<>();
            row.forEach(t -> seq.add(t.asLong()));
            out.add(seq);
        }
        return out;
    }

    /** Largest absolute difference. */
    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("length " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** Copies the case's files into {@code target} (tests that modify checkpoints work on a copy). */
    public void copyTo(Path target) throws java.io.IOException {
        Files.createDirectories(target);
        try (var files = Files.list(directory)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
    }
}
