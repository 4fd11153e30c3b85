package dev.mmpeft.models.family;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.safetensors.Checkpoint;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Model inputs as named tensors under transformers' names ({@code pixel_values}, {@code input_ids},
 * {@code attention_mask}, {@code labels}, ...), with the checks and conversions every family
 * needs: floats widened to float32, ids and masks (int32, int64 or bool) to int64, unknown names
 * refused as transformers refuses unknown keyword arguments.
 *
 * <p>Why: a forward-inputs safetensors file is such a set, and {@link MultimodalModel} takes the
 * same set whatever the family. The arrays are not copied; the {@code source} names the inputs in
 * error messages (a file, or "inputs").
 */
public final class ModelInputs {
    private final String source;
    private final Map<String, NDArray> tensors;

    private ModelInputs(String source, Map<String, NDArray> tensors) {
        this.source = source;
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /** Inputs from named arrays, in the given order. */
    public static ModelInputs of(Map<String, NDArray> tensors) {
        return new ModelInputs("inputs", tensors);
    }

    /**
     * Every tensor of a safetensors file, loaded into {@code manager}.
     *
     * @throws dev.mmpeft.core.safetensors.SafetensorsException naming the file when it is not a valid
     *     safetensors file
     */
    public static ModelInputs read(Path file, NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (Checkpoint in = Checkpoint.open(file)) {
            for (String name : in.names()) {
                out.put(name, in.load(name, manager));
            }
        } catch (java.io.IOException e) {
            throw new MmpeftException(file + ": cannot close inputs file: " + e.getMessage(), e);
        }
        return new ModelInputs(file.toString(), out);
    }

    /** Where these inputs came from, as errors name it. */
    public String source() {
        return source;
    }

    /** The tensors by name, in order. */
    public Map<String, NDArray> tensors() {
        return tensors;
    }

    /** Whether an input is present. */
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /**
     * Checks the names: every required one present, nothing outside required and optional.
     *
     * @throws MmpeftException naming the source, the tensor and the expected names
     */
    public ModelInputs check(String family, Collection<String> required, Collection<String> optional) {
        for (String name : tensors.keySet()) {
            if (!required.contains(name) && !optional.contains(name)) {
                throw new MmpeftException(source + ": unexpected input tensor '" + name + "' for the " + family + " family; expected "
                        + required + " and optionally " + optional);
            }
        }
        for (String name : required) {
            if (!tensors.containsKey(name)) {
                throw new MmpeftException(source + ": missing input tensor '" + name + "' for the " + family + " family; expected "
                        + required + " and optionally " + optional);
            }
        }
        return this;
    }

    /** A floating-point input as float32. */
    public Optional<NDArray> floats(String name) {
        return Optional.ofNullable(tensors.get(name)).map(a -> {
            if (!a.getDataType().isFloating()) {
                throw new MmpeftException(source + ": input '" + name + "' must be floating point, found " + a.getDataType());
            }
            return a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
        });
    }

    /** An id or mask input (int32, int64, uint8 or bool) as int64. */
    public Optional<NDArray> ints(String name) {
        return Optional.ofNullable(tensors.get(name)).map(a -> {
            DataType t = a.getDataType();
            if (t.isFloating()) {
                throw new MmpeftException(source + ": input '" + name + "' must hold integers (int32, int64 or bool), found " + t);
            }
            return t == DataType.INT64 ? a : a.toType(DataType.INT64, false);
        });
    }

    /** {@link #floats} of a required input. */
    public NDArray requireFloats(String name) {
        return floats(name).orElseThrow(() -> missing(name));
    }

    /** {@link #ints} of a required input. */
    public NDArray requireInts(String name) {
        return ints(name).orElseThrow(() -> missing(name));
    }

    private MmpeftException missing(String name) {
        return new MmpeftException(source + ": missing input tensor '" + name + "'");
    }
}
