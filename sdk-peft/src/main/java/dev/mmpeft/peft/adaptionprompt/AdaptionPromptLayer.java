package dev.mmpeft.peft.adaptionprompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.models.llama.LlamaAttention;
import dev.mmpeft.models.nn.AttentionOutputAdapter;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Scalars;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.spi.AdapterBlock;
import dev.mmpeft.peft.spi.AdapterLayer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adaption prompts on one LLaMA self-attention module, as PEFT's {@code AdaptedAttention}:
 * {@code out + o_proj(gate * softmax(q k_p^T / sqrt(head_dim)) v_p)} with {@code k_p = k_proj(prompt)},
 * {@code v_p = v_proj(prompt)} repeated over the query heads of each key/value head. The prompts live
 * in a child block {@code adaption} of the attention module
 * ({@code <self_attn>.adaption.<adapter>.adaption_prompt}); they cannot be merged.
 */
final class AdaptionPromptLayer implements AdapterLayer {
    private final String moduleName;
    private final LlamaAttention attention;
    private final Dict dict = new Dict();
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private List<String> active = List.of();
    private boolean disabled;

    /** One adapter's prompt and gate. */
    static final class Slot extends HfBlock implements AdapterBlock {
        final int length;
        final int hidden;

        Slot(int length, int hidden) {
            this.length = length;
            this.hidden = hidden;
            declareParameter("adaption_prompt", Parameter.Type.WEIGHT, new Shape(1, length, hidden));
            declareParameter("adaption_gate", Parameter.Type.WEIGHT, new Shape(1));
        }
    }

    AdaptionPromptLayer(String moduleName, LlamaAttention attention) {
        this.moduleName = moduleName;
        this.attention = attention;
        attention.attachOutputAdapter("adaption", dict);
    }

    Slot add(String adapter, int length) {
        if (slots.containsKey(adapter)) {
            throw new IllegalStateException(moduleName + " already has an adaption prompt named '" + adapter + "'");
        }
        Slot s = new Slot(length, attention.width());
        dict.put(adapter, s);
        slots.put(adapter, s);
        return s;
    }

    @Override
    public void setActive(List<String> adapters) {
        List<String> present = new ArrayList<>();
        for (String a : adapters) {
            if (slots.containsKey(a)) {
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
        if (slots.remove(adapter) != null) {
            dict.drop(adapter);
            List<String> rest = new ArrayList<>(active);
            rest.remove(adapter);
            active = List.copyOf(rest);
        }
    }

    @Override
    public boolean isEmpty() {
        return slots.isEmpty();
    }

    @Override
    public void detach() {
        attention.detachOutputAdapter("adaption");
    }

    @Override
    public boolean canMerge() {
        return false;
    }

    @Override
    public void merge() {
        throw new PeftException("adaption prompts cannot be merged into the base weights ('" + moduleName
                + "'): the gated prompt attention depends on each input's queries");
    }

    @Override
    public void unmerge() {
        // never merged
    }

    /** PEFT's {@code AdaptedAttention.forward} after the wrapped attention's output. */
    private NDArray adapt(NDArray query, NDArray output) {
        if (active.size() != 1) {
            throw new IllegalStateException(moduleName + ": expected one active adaption prompt, got " + active);
        }
        Slot s = slots.get(active.get(0));
        Shape qs = query.getShape();
        long batch = qs.get(0);
        long heads = qs.get(1);
        long length = qs.get(2);
        long headDim = qs.get(3);
        long kvHeads = attention.keyValueHeads();
        // the prompt as an array of this pass (a view of the parameter), so nothing derived lands in the adapter's manager
        NDArray prompt = s.parameter("adaption_prompt").getArray().reshape(1, s.length, s.hidden);
        prompt.attach(query.getManager());
        NDArray key = attention.kProj().forward(prompt).reshape(1, s.length, kvHeads, headDim).transpose(0, 2, 1, 3);
        NDArray value = attention.vProj().forward(prompt).reshape(1, s.length, kvHeads, headDim).transpose(0, 2, 1, 3);
        long factor = heads / kvHeads;
        if (factor != 1) {
            // torch.repeat_interleave over the head axis: query head h reads key/value head h / factor
            key = key.repeat(1, factor);
            value = value.repeat(1, factor);
        }
        NDArray scores = query.matMul(key.transpose(0, 1, 3, 2));
        scores = scores.div(Scalars.of(scores, (float) Math.sqrt(headDim)));
        NDArray gate = s.parameter("adaption_gate").getArray();
        NDArray weights = scores.softmax(-1).mul(gate);
        NDArray context = weights.matMul(value).transpose(0, 2, 1, 3).reshape(batch, length, heads * headDim);
        return output.add(attention.oProj().forward(context));
    }

    /** The child block {@code adaption} of the attention module: holds the prompts, computes for the active one. */
    private final class Dict extends HfBlock implements AttentionOutputAdapter, AdapterBlock {
        void put(String adapter, Slot slot) {
            child(adapter, slot);
        }

        void drop(String adapter) {
            removeChild(adapter);
        }

        @Override
        public NDArray adapt(NDArray query, NDArray output) {
            return AdaptionPromptLayer.this.adapt(query, output);
        }

        @Override
        public boolean isActive() {
            return !disabled && !active.isEmpty();
        }
    }
}
