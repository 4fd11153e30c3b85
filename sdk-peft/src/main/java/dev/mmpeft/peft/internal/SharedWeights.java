package dev.mmpeft.peft.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.Device;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.peft.AdaptableModel;
import dev.mmpeft.peft.PeftException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The base model's arrays as the adapted twin shares them: every parameter of the twin points at
 * the base model's array of the same name (no weight duplicated), frozen, and the base model is
 * never written. A replica on another device owns copies instead, freed with it.
 */
public final class SharedWeights implements AutoCloseable {
    private final Set<String> parameterNames;
    private final Map<String, NDArray> shared = new LinkedHashMap<>();
    private final ai.djl.@Nullable Device device;
    private @Nullable NDManager owned;

    SharedWeights(HfBlock baseRoot, HfBlock twinRoot) {
        if (twinRoot == baseRoot) {
            throw new IllegalStateException("newStructure() returned the same block tree");
        }
        Map<String, Parameter> baseParams = baseRoot.namedParameters();
        this.parameterNames = Set.copyOf(twinRoot.namedParameters().keySet());
        if (!baseParams.keySet().equals(parameterNames)) {
            throw new IllegalStateException("the new structure's parameters differ from the base model's: " + difference(baseParams.keySet(), parameterNames));
        }
        ai.djl.Device first = null;
        for (Map.Entry<String, Parameter> e : baseParams.entrySet()) {
            Parameter bp = e.getValue();
            if (!bp.isInitialized()) {
                throw new PeftException("base model parameter '" + e.getKey() + "' holds no array; load or initialise the model before adapting it");
            }
            NDArray array = bp.getArray();
            if (array.hasGradient()) {
                // the base model is itself training: share its storage but cut gradients off (no copy)
                array = array.stopGradient();
            }
            // frozen without freeze(), which would also clear the shared array's gradient flag
            twinRoot.replaceArray(e.getKey(), array, false);
            shared.put(e.getKey(), array);
            if (first == null) {
                first = array.getDevice();
            }
        }
        this.device = first;
    }

    /** The base model's array of a parameter. */
    public NDArray shared(String name) {
        return shared.get(name);
    }

    /** The names of the base model's parameters (Hugging Face names). */
    public Set<String> parameterNames() {
        return parameterNames;
    }

    /** A manager on the device the weights live on, for adapters' arrays. */
    NDManager newManager() {
        return device == null ? NDManager.newBaseManager() : NDManager.newBaseManager(device);
    }

    /** A structure of a base model's architecture holding copies of its arrays, and the manager that owns them. */
    record Copy<M>(AdaptableModel<M> model, NDManager arrays) {}

    /** A new structure of {@code base}'s architecture holding copies of these arrays on {@code target}. */
    <M> Copy<M> copyTo(AdaptableModel<M> base, Device target) {
        NDManager arrays = NDManager.newBaseManager(target.toDjl());
        try {
            AdaptableModel<M> copy = base.newStructure();
            for (Map.Entry<String, Parameter> e : copy.root().namedParameters().entrySet()) {
                NDArray a = copyTo(shared.get(e.getKey()), target, arrays);
                a.setRequiresGradient(false);
                e.getValue().setArray(a);
            }
            return new Copy<>(copy, arrays);
        } catch (RuntimeException e) {
            arrays.close();
            throw e;
        }
    }

    /** A copy with its own storage ({@code toDevice} on the same device may alias the source), owned by {@code manager}. */
    static NDArray copyTo(NDArray source, Device device, NDManager manager) {
        NDArray c = source.getDevice().equals(device.toDjl()) ? source.duplicate() : source.toDevice(device.toDjl(), true);
        c.attach(manager);
        return c;
    }

    /** Makes these weights free {@code arrays} when closed (a replica's copies). */
    void own(NDManager arrays) {
        this.owned = arrays;
    }

    @Override
    public void close() {
        if (owned != null) {
            owned.close();
            owned = null;
        }
    }

    private static String difference(Set<String> a, Set<String> b) {
        Set<String> onlyA = new LinkedHashSet<>(a);
        onlyA.removeAll(b);
        Set<String> onlyB = new LinkedHashSet<>(b);
        onlyB.removeAll(a);
        return "only in base " + onlyA + ", only in new " + onlyB;
    }
}
