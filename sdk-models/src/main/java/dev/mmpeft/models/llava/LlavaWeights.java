package dev.mmpeft.models.llava;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.TensorInfo;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.nn.WeightMismatchException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The two tensor layouts of LLaVA checkpoints and how they feed a {@link Llava} block tree, whose
 * parameters carry the legacy names.
 *
 * <table>
 *   <caption>Legacy (transformers before 4.52, and llava-hf's files) and current names</caption>
 *   <tr><th>legacy</th><th>current</th></tr>
 *   <tr><td>{@code vision_tower.vision_model.*}</td><td>{@code model.vision_tower.vision_model.*}</td></tr>
 *   <tr><td>{@code multi_modal_projector.*}</td><td>{@code model.multi_modal_projector.*}</td></tr>
 *   <tr><td>{@code language_model.model.*}</td><td>{@code model.language_model.*}</td></tr>
 *   <tr><td>{@code language_model.lm_head.weight}</td><td>{@code lm_head.weight}</td></tr>
 * </table>
 *
 * <p>Every checkpoint name is mapped to the legacy one (transformers' own
 * {@code _checkpoint_conversion_mapping}, run backwards), then everything is checked at once
 * (missing, unexpected, mis-shaped) before any tensor is read; errors name the checkpoint file and
 * the tensors in the layout the checkpoint uses.
 */
final class LlavaWeights {
    /** CLIP's {@code position_ids} buffer, which older exports saved with the weights. */
    static final String POSITION_IDS = "vision_tower.vision_model.embeddings.position_ids";

    private static final String[][] CURRENT_TO_LEGACY = {
        {"model.vision_tower.", "vision_tower."},
        {"model.multi_modal_projector.", "multi_modal_projector."},
        {"model.language_model.", "language_model.model."},
        {"lm_head.", "language_model.lm_head."},
    };

    private LlavaWeights() {}

    /** The legacy name of a checkpoint tensor name of either layout. */
    static String toLegacy(String name) {
        for (String[] m : CURRENT_TO_LEGACY) {
            if (name.startsWith(m[0])) {
                return m[1] + name.substring(m[0].length());
            }
        }
        return name;
    }

    /** The current-layout name of a legacy name. */
    static String toCurrent(String legacy) {
        for (String[] m : CURRENT_TO_LEGACY) {
            if (legacy.startsWith(m[1])) {
                return m[0] + legacy.substring(m[1].length());
            }
        }
        return legacy;
    }

    /** Whether a checkpoint uses the current layout (any name under {@code model.} or a top-level {@code lm_head}). */
    static boolean isCurrentLayout(Set<String> names) {
        return names.stream().anyMatch(n -> n.startsWith("model.") || n.startsWith("lm_head."));
    }

    static void load(Llava model, Checkpoint checkpoint, NDManager manager) {
        String source = checkpoint.files().size() == 1 ? checkpoint.files().get(0).path().toString() : checkpoint.location().toString();
        boolean current = isCurrentLayout(checkpoint.names());
        // legacy name -> the checkpoint's own name
        Map<String, String> byLegacy = new LinkedHashMap<>();
        for (String name : checkpoint.names()) {
            String previous = byLegacy.put(toLegacy(name), name);
            if (previous != null) {
                throw new MmpeftException(source + ": holds tensor '" + toLegacy(name) + "' twice, as '" + previous + "' and as '" + name
                        + "'; expected one layout (legacy or current transformers names)");
            }
        }
        LlamaModel lm = model.languageModel();
        String lmPrefix = Llava.LANGUAGE_MODEL + ".";
        Set<String> ignored = new HashSet<>();
        ignored.add(POSITION_IDS);
        lm.ignoredCheckpointNames().forEach(n -> ignored.add(lmPrefix + n));
        Map<String, List<String>> aliases = new LinkedHashMap<>();
        lm.checkpointAliases().forEach((k, v) -> {
            List<String> full = new ArrayList<>();
            v.forEach(a -> full.add(lmPrefix + a));
            aliases.put(lmPrefix + k, full);
        });

        Map<String, Parameter> params = model.namedParameters();
        Map<String, Shape> shapes = model.parameterShapes();
        Map<String, String> sources = new LinkedHashMap<>();
        Set<String> consumed = new HashSet<>();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (String name : params.keySet()) {
            String found = byLegacy.get(name);
            if (found == null) {
                for (String alias : aliases.getOrDefault(name, List.of())) {
                    if (byLegacy.containsKey(alias)) {
                        found = byLegacy.get(alias);
                        break;
                    }
                }
            }
            if (found == null) {
                missing.add(current ? toCurrent(name) : name);
                continue;
            }
            TensorInfo info = checkpoint.info(found);
            long[] expected = shapes.get(name).getShape();
            if (!Arrays.equals(info.shape(), expected)) {
                mismatched.add(found + ": checkpoint " + Arrays.toString(info.shape()) + ", model expects " + Arrays.toString(expected));
            }
            sources.put(name, found);
            consumed.add(found);
        }
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, String> e : byLegacy.entrySet()) {
            boolean alias = aliases.values().stream().anyMatch(l -> l.contains(e.getKey()));
            if (!consumed.contains(e.getValue()) && !ignored.contains(e.getKey()) && !alias) {
                unexpected.add(e.getValue());
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !mismatched.isEmpty()) {
            throw new WeightMismatchException(source, missing, unexpected, mismatched);
        }
        for (Map.Entry<String, String> e : sources.entrySet()) {
            NDArray array = checkpoint.load(e.getValue(), manager);
            if (array.getDataType() != DataType.FLOAT32 && array.getDataType().isFloating()) {
                // computed in float32 on the CPU; half precision is a storage format only
                NDArray f32 = array.toType(DataType.FLOAT32, false);
                array.close();
                array = f32;
            }
            params.get(e.getKey()).setArray(array);
        }
    }
}
