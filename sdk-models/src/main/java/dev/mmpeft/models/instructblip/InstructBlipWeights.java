package dev.mmpeft.models.instructblip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.TensorInfo;
import dev.mmpeft.models.LanguageModel;
import dev.mmpeft.models.nn.WeightMismatchException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mapping between an {@link InstructBlip} block tree and Hugging Face checkpoint files: which
 * tensor feeds which parameter (by name, or synthesised for older layouts), checked all at once
 * before anything is loaded, then loaded one tensor at a time.
 */
final class InstructBlipWeights {
    /** transformers' Q-Former {@code position_ids} buffer, saved by older versions. */
    static final String QFORMER_POSITION_IDS = "qformer.embeddings.position_ids";

    private static final Pattern QKV_BIAS = Pattern.compile("vision_model\\.encoder\\.layers\\.(\\d+)\\.self_attn\\.qkv\\.bias");

    private InstructBlipWeights() {}

    /** Where one parameter's values come from. */
    private interface Source {
        NDArray load(Checkpoint checkpoint, NDManager manager);
    }

    private static Source tensor(String name) {
        return (ckpt, m) -> toFloat32(ckpt.load(name, m));
    }

    private static NDArray toFloat32(NDArray a) {
        if (a.getDataType() == DataType.FLOAT32) {
            return a;
        }
        NDArray f = a.toType(DataType.FLOAT32, false);
        a.close();
        return f;
    }

    static void load(InstructBlip model, Checkpoint checkpoint, NDManager manager) {
        Map<String, Parameter> params = model.namedParameters();
        Map<String, Shape> shapes = model.parameterShapes();
        LanguageModel lm = model.languageModel();
        String lmPrefix = InstructBlip.LANGUAGE_MODEL + ".";
        Set<String> ignored = new HashSet<>();
        ignored.add(QFORMER_POSITION_IDS);
        for (String n : lm.ignoredCheckpointNames()) {
            ignored.add(lmPrefix + n);
        }
        Map<String, List<String>> aliases = new LinkedHashMap<>();
        lm.checkpointAliases().forEach((k, v) -> {
            List<String> full = new ArrayList<>();
            v.forEach(a -> full.add(lmPrefix + a));
            aliases.put(lmPrefix + k, full);
        });

        Map<String, Source> sources = new LinkedHashMap<>();
        Set<String> consumed = new HashSet<>();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (String name : params.keySet()) {
            long[] expected = shapes.get(name).getShape();
            Optional<TensorInfo> info = checkpoint.find(name);
            if (info.isPresent()) {
                checkShape(info.get(), expected, mismatched);
                sources.put(name, tensor(name));
                consumed.add(name);
                continue;
            }
            Matcher qkv = QKV_BIAS.matcher(name);
            if (qkv.matches()) {
                String base = "vision_model.encoder.layers." + qkv.group(1) + ".self_attn.";
                Optional<TensorInfo> q = checkpoint.find(base + "q_bias");
                Optional<TensorInfo> v = checkpoint.find(base + "v_bias");
                if (q.isPresent() && v.isPresent()) {
                    // transformers before the fused-bias refactor: qkv bias = cat(q_bias, zeros, v_bias)
                    long[] part = {expected[0] / 3};
                    checkShape(q.get(), part, mismatched);
                    checkShape(v.get(), part, mismatched);
                    sources.put(name, (ckpt, m) -> {
                        NDArray qb = toFloat32(ckpt.load(base + "q_bias", m));
                        NDArray vb = toFloat32(ckpt.load(base + "v_bias", m));
                        NDArray out = qb.concat(m.zeros(new Shape(part[0]), DataType.FLOAT32), 0).concat(vb, 0);
                        qb.close();
                        vb.close();
                        return out;
                    });
                    consumed.add(base + "q_bias");
                    consumed.add(base + "v_bias");
                    continue;
                }
            }
            Optional<String> alias = aliases.getOrDefault(name, List.of()).stream().filter(a -> checkpoint.find(a).isPresent()).findFirst();
            if (alias.isPresent()) {
                checkShape(checkpoint.info(alias.get()), expected, mismatched);
                sources.put(name, tensor(alias.get()));
                consumed.add(alias.get());
                continue;
            }
            missing.add(name);
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : checkpoint.names()) {
            if (!consumed.contains(name) && !ignored.contains(name) && !aliasOfLoaded(name, aliases)) {
                unexpected.add(name);
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !mismatched.isEmpty()) {
            throw new WeightMismatchException(checkpoint.location().toString(), missing, unexpected, mismatched);
        }
        for (Map.Entry<String, Source> e : sources.entrySet()) {
            params.get(e.getKey()).setArray(e.getValue().load(checkpoint, manager));
        }
    }

    /** An alias tensor that is redundant because its parameter was found under its own name. */
    private static boolean aliasOfLoaded(String name, Map<String, List<String>> aliases) {
        for (List<String> as : aliases.values()) {
            if (as.contains(name)) {
                return true;
            }
        }
        return false;
    }

    private static void checkShape(TensorInfo info, long[] expected, List<String> mismatched) {
        if (!Arrays.equals(info.shape(), expected)) {
            mismatched.add(info.name() + ": checkpoint " + Arrays.toString(info.shape()) + ", model expects " + Arrays.toString(expected));
        }
    }
}
