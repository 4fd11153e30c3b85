package dev.mmpeft.peft.prefix;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.KeyValuePrefixes;
import dev.mmpeft.models.nn.PrefixableStack;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.spi.AdapterBlock;
import dev.mmpeft.peft.spi.AdapterLayer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prefix tuning on one stack ({@link PrefixableStack}: T5's decoder, LLaMA's {@code model}): the
 * adapters' {@link PrefixEncoder}s in a child block {@code prompt_encoder} (PEFT's
 * {@code prompt_encoder.<adapter>}), handing the active one's prefixes to the stack as
 * {@code past_key_values}. Prefixes cannot be merged into weights.
 */
final class PrefixLayer implements AdapterLayer {
    private final String moduleName;
    private final PrefixableStack stack;
    private final Dict dict = new Dict();
    private final Map<String, PrefixEncoder> encoders = new LinkedHashMap<>();
    private List<String> active = List.of();
    private boolean disabled;

    PrefixLayer(String moduleName, PrefixableStack stack) {
        this.moduleName = moduleName;
        this.stack = stack;
        stack.attachPrefixes("prompt_encoder", dict);
    }

    /** Adds an adapter's encoder (parameters declared, arrays set by the caller). */
    PrefixEncoder add(String adapter, PrefixEncoder encoder) {
        if (encoders.containsKey(adapter)) {
            throw new IllegalStateException(moduleName + " already has prefixes named '" + adapter + "'");
        }
        dict.put(adapter, encoder);
        encoders.put(adapter, encoder);
        return encoder;
    }

    @Override
    public void setActive(List<String> adapters) {
        List<String> present = new ArrayList<>();
        for (String a : adapters) {
            if (encoders.containsKey(a)) {
                present.add(a);
            }
        }
        active = List.copyOf(present);
    }

    @Override
    public void setDisabled(boolean disabled) {
        this.disabled = disabled;
    }

    @Override
    public void remove(String adapter) {
        if (encoders.remove(adapter) != null) {
            dict.drop(adapter);
            List<String> rest = new ArrayList<>(active);
            rest.remove(adapter);
            active = List.copyOf(rest);
        }
    }

    @Override
    public boolean isEmpty() {
        return encoders.isEmpty();
    }

    @Override
    public void detach() {
        stack.detachPrefixes("prompt_encoder");
    }

    @Override
    public boolean canMerge() {
        return false;
    }

    @Override
    public void merge() {
        throw new PeftException("prefix tuning cannot be merged into the base weights ('" + moduleName
                + "'): the prefixes are extra attention positions, not a change of any weight");
    }

    @Override
    public void unmerge() {
        // never merged
    }

    private PrefixEncoder current() {
        if (active.size() != 1) {
            throw new IllegalStateException(moduleName + ": expected one active prefix adapter, got " + active);
        }
        return encoders.get(active.get(0));
    }

    /** The child block {@code prompt_encoder} that holds the encoders and serves the stack. */
    private final class Dict extends HfBlock implements KeyValuePrefixes, AdapterBlock {
        void put(String adapter, PrefixEncoder encoder) {
            child(adapter, encoder);
        }

        void drop(String adapter) {
            removeChild(adapter);
        }

        @Override
        public boolean isActive() {
            return !disabled && !active.isEmpty();
        }

        @Override
        public int length() {
            return current().length();
        }

        @Override
        public NDArray[] keysAndValues(int layer, NDArray like, long batch) {
            return current().keysAndValues(layer, like, batch);
        }
    }
}
