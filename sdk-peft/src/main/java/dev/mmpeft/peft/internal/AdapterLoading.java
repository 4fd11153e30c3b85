package dev.mmpeft.peft.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.TensorInfo;
import dev.mmpeft.peft.AdapterMismatchException;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.format.AdapterFiles;
import dev.mmpeft.peft.spi.FullTensor;
import dev.mmpeft.peft.spi.PlanContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads an adapter file's tensors for a plan as PEFT's {@code set_peft_model_state_dict} does:
 * every tensor checked against the shape the model expects before anything is loaded, missing
 * tensors keeping their initial values, and keys naming a base tensor of the model replacing it
 * (PEFT loads with {@code strict=False}).
 */
final class AdapterLoading {
    /** The tensors read (by file key, float32 copies owned by the adapter's manager) and what was missing or left over. */
    record Result(AdapterPlan plan, Map<String, NDArray> arrays, List<String> missing, List<String> unexpected) {}

    private AdapterLoading() {}

    static Result read(Path dir, AdapterPlan planned, Map<String, Shape> baseShapes, NDManager manager) {
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        Map<String, NDArray> loaded = new LinkedHashMap<>();
        try (Checkpoint file = AdapterFiles.openWeights(dir)) {
            Map<String, String> aliases = aliases(planned);
            Map<String, Shape> known = planned.expectedTensors();
            Map<String, String> fixed = new LinkedHashMap<>();
            for (String key : file.names()) {
                String k = aliases.getOrDefault(key, key);
                if (known.containsKey(k)) {
                    continue;
                }
                // a wrapped layer's bias is <m>.base_layer.bias in PEFT's state dict
                String tensor = k.startsWith(PlanContext.FILE_PREFIX)
                        ? k.substring(PlanContext.FILE_PREFIX.length()).replace(".base_layer.", ".") : null;
                if (tensor != null && baseShapes.containsKey(tensor) && !planned.fullTensors().containsKey(tensor)
                        && !planned.method().ownsFileKey(k)) {
                    fixed.put(tensor, key);
                } else {
                    unexpected.add(key);
                }
            }
            AdapterPlan plan = planned.withFixedTensors(fixed, baseShapes);
            Map<String, Shape> expected = plan.expectedTensors();
            for (Map.Entry<String, Shape> e : expected.entrySet()) {
                Optional<TensorInfo> info = find(file, e.getKey(), aliases);
                if (info.isEmpty()) {
                    missing.add(e.getKey());
                } else if (!Arrays.equals(info.get().shape(), e.getValue().getShape())) {
                    mismatched.add(info.get().name() + ": file " + Arrays.toString(info.get().shape()) + ", model expects " + e.getValue());
                } else if (!info.get().dtype().loadedAs().isFloating()) {
                    mismatched.add(info.get().name() + ": dtype " + info.get().dtype() + ", expected a float type");
                }
            }
            if (!mismatched.isEmpty()) {
                throw new AdapterMismatchException(dir.toString(), List.of(), List.of(), mismatched);
            }
            if (expected.keySet().stream().allMatch(missing::contains)) {
                throw new AdapterMismatchException(dir.toString(), missing, unexpected, List.of());
            }
            for (String key : expected.keySet()) {
                Optional<TensorInfo> info = find(file, key, aliases);
                if (info.isPresent()) {
                    try (NDManager scratch = manager.newSubManager()) {
                        NDArray raw = file.load(info.get().name(), scratch);
                        loaded.put(key, ParameterArrays.copy(raw, manager));
                    }
                }
            }
            return new Result(plan, loaded, missing, unexpected);
        } catch (IOException e) {
            loaded.values().forEach(NDArray::close);
            throw new PeftException(dir + ": cannot read adapter: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            loaded.values().forEach(NDArray::close);
            throw e;
        }
    }

    private static Optional<TensorInfo> find(Checkpoint file, String key, Map<String, String> aliases) {
        Optional<TensorInfo> info = file.find(key);
        if (info.isPresent()) {
            return info;
        }
        for (Map.Entry<String, String> e : aliases.entrySet()) {
            if (e.getValue().equals(key)) {
                return file.find(e.getKey());
            }
        }
        return Optional.empty();
    }

    /** Other keys accepted for an expected tensor: a wrapped layer's bias as {@code X.bias} or {@code X.base_layer.bias}. */
    private static Map<String, String> aliases(AdapterPlan plan) {
        Map<String, String> out = new LinkedHashMap<>();
        for (FullTensor f : plan.fullTensors().values()) {
            if (f.fileKey().endsWith(".base_layer.bias")) {
                out.put(f.fileKey().substring(0, f.fileKey().length() - ".base_layer.bias".length()) + ".bias", f.fileKey());
            }
        }
        return out;
    }
}
