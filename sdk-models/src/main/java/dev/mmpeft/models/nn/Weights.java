package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Puts arrays into a block tree's declared parameters: from a checkpoint (by Hugging Face name,
 * shapes checked, one tensor at a time so the checkpoint and the model are never both in memory)
 * or at random (deterministic for a seed, for tests and tiny generated models); and writes them
 * back as a Hugging Face directory, single-file or sharded.
 */
public final class Weights {
    private Weights() {}

    /**
     * Loads every parameter of {@code root} from {@code checkpoint}, where the tensor of parameter
     * {@code p} is named {@code prefix + p}.
     *
     * @param ignoredExtras checkpoint names that may be present without a parameter (for example
     *     buffers such as {@code position_ids}); matched as exact names
     * @throws WeightMismatchException listing missing, unexpected and mis-shaped tensors; nothing is
     *     loaded in that case
     */
    public static void load(
            HfBlock root, Checkpoint checkpoint, String prefix, NDManager manager, java.util.Set<String> ignoredExtras) {
        load(root, checkpoint, prefix, manager, ignoredExtras, Map.of());
    }

    /**
     * Like {@link #load(HfBlock, Checkpoint, String, NDManager, java.util.Set)}, where a parameter
     * whose own name is absent may also be read from an alternative name: a tied embedding that a
     * checkpoint stores only as {@code encoder.embed_tokens.weight}, for example.
     *
     * @param ignoredExtras full checkpoint names (prefix included) that may be present without a
     *     parameter
     * @param aliases per parameter name (relative to {@code root}), alternative names (also
     *     relative; {@code prefix} is prepended) tried in order; present aliases are never reported
     *     as unexpected
     */
    public static void load(
            HfBlock root,
            Checkpoint checkpoint,
            String prefix,
            NDManager manager,
            java.util.Set<String> ignoredExtras,
            Map<String, List<String>> aliases) {
        Map<String, Parameter> params = root.namedParameters();
        Map<String, Shape> shapes = root.parameterShapes();
        Map<String, String> source = new LinkedHashMap<>();
        java.util.Set<String> aliasNames = new java.util.HashSet<>();
        aliases.values().forEach(list -> list.forEach(a -> aliasNames.add(prefix + a)));
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (String name : params.keySet()) {
            String key = prefix + name;
            if (checkpoint.find(key).isEmpty()) {
                for (String alias : aliases.getOrDefault(name, List.of())) {
                    if (checkpoint.find(prefix + alias).isPresent()) {
                        key = prefix + alias;
                        break;
                    }
                }
            }
            var info = checkpoint.find(key);
            if (info.isEmpty()) {
                missing.add(prefix + name);
            } else if (!Arrays.equals(info.get().shape(), shapes.get(name).getShape())) {
                mismatched.add(key + ": checkpoint " + Arrays.toString(info.get().shape()) + ", model expects " + shapes.get(name));
            } else {
                source.put(name, key);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : checkpoint.names()) {
            if (name.startsWith(prefix)
                    && !params.containsKey(name.substring(prefix.length()))
                    && !ignoredExtras.contains(name)
                    && !aliasNames.contains(name)) {
                unexpected.add(name);
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !mismatched.isEmpty()) {
            throw new WeightMismatchException(checkpoint.location().toString(), missing, unexpected, mismatched);
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray array = checkpoint.load(source.get(e.getKey()), manager);
            if (array.getDataType() != DataType.FLOAT32 && array.getDataType().isFloating()) {
                // models compute in float32 on the CPU (F16 matmul is ~100x slower there)
                NDArray f32 = array.toType(DataType.FLOAT32, false);
                array.close();
                array = f32;
            }
            e.getValue().setArray(array);
        }
    }

    /**
     * Fills every parameter with deterministic pseudo-random values: weights from N(0, std),
     * biases zero, norm scales one. Used by tests and by the tiny models the project generates.
     */
    public static void initRandom(HfBlock root, NDManager manager, long seed, float std) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Map.Entry<String, Shape> e : root.parameterShapes().entrySet()) {
            Parameter p = root.namedParameters().get(e.getKey());
            int n = Math.toIntExact(e.getValue().size());
            boolean gaussian = p.getType() != Parameter.Type.GAMMA
                    && p.getType() != Parameter.Type.BIAS && p.getType() != Parameter.Type.BETA;
            float constant = p.getType() == Parameter.Type.GAMMA ? 1f : 0f;
            // engine-owned memory filled through a writable view, value by value: no Java direct
            // buffer behind it, and no Java array as large as the tensor (those grew the heap by as
            // much as the model again)
            NDArray array = manager.create(e.getValue(), DataType.FLOAT32);
            if (n > 0) {
                FloatBuffer view = array.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
                for (int i = 0; i < n; i++) {
                    view.put(i, gaussian ? (float) (gaussian(random) * std) : constant);
                }
            }
            p.setArray(array);
        }
    }

    /**
     * Writes a Hugging Face model directory: {@code config.json} and every parameter of {@code root}
     * in {@code model.safetensors}, or, when they exceed {@code maxShardBytes}, in shards
     * {@code model-0000K-of-0000N.safetensors} (one tensor per shard at least) listed by
     * {@code model.safetensors.index.json}, written last so that a reader never sees an index naming
     * a missing shard. Each file is written atomically; the other layout's entry file (a stale index
     * or single file) is removed so the directory loads as what was just written.
     *
     * @throws IllegalStateException when a parameter has no array
     */
    public static void save(HfBlock root, ModelConfig config, Path directory, long maxShardBytes) throws IOException {
        Files.createDirectories(directory);
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        root.namedParameters().forEach((k, p) -> {
            if (!p.isInitialized()) {
                throw new IllegalStateException("parameter '" + k + "' has no array: nothing to save");
            }
            arrays.put(k, p.getArray());
        });
        Configs.write(config, directory);
        Map<String, String> metadata = Map.of("format", "pt");
        long total = 0;
        for (NDArray a : arrays.values()) {
            total += a.size() * a.getDataType().getNumOfBytes();
        }
        if (total <= maxShardBytes) {
            SafetensorsWriter.write(directory.resolve(Checkpoint.SINGLE_FILE), arrays, metadata);
            Files.deleteIfExists(directory.resolve(Checkpoint.INDEX_FILE));
            return;
        }
        List<Map<String, NDArray>> shards = new ArrayList<>();
        Map<String, NDArray> current = new LinkedHashMap<>();
        long size = 0;
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            long bytes = e.getValue().size() * e.getValue().getDataType().getNumOfBytes();
            if (!current.isEmpty() && size + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                size = 0;
            }
            current.put(e.getKey(), e.getValue());
            size += bytes;
        }
        shards.add(current);
        ObjectNode index = Json.mapper().createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode weightMap = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String file = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            SafetensorsWriter.write(directory.resolve(file), shards.get(i), metadata);
            for (String name : shards.get(i).keySet()) {
                weightMap.put(name, file);
            }
        }
        AtomicFiles.writeString(directory.resolve(Checkpoint.INDEX_FILE), Json.write(index));
        Files.deleteIfExists(directory.resolve(Checkpoint.SINGLE_FILE));
    }

    /** Every parameter's array under its Hugging Face name (for saving). */
    public static Map<String, NDArray> arrays(HfBlock root) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        root.namedParameters().forEach((k, v) -> out.put(k, v.getArray()));
        return out;
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller: reproducible across JVMs, unlike ThreadLocalRandom
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
