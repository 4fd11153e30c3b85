package dev.mmpeft.peft.dma;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.instructblip.InstructBlipOutput;
import dev.mmpeft.models.instructblip.QueryFeatureHook;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.spi.AdapterBlock;
import dev.mmpeft.peft.spi.AdapterLayer;
import dev.mmpeft.peft.spi.InstructBlipLossTerm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PETAL's instruction side on an InstructBLIP model: the adaptive instruction mixture of experts
 * (AIM: the Q-Former run once per expert instruction over the same image features, the query
 * outputs merged by a learned gate) and the score-based information-bottleneck loss (SIB).
 *
 * <p>The gate: for expert e with query outputs {@code F_e [batch, queries, hidden]},
 * {@code logit_e = w . mean_q(F_e) + b_e}, {@code g = softmax_e(logit)} per example, and the
 * projection reads {@code sum_e g_e F_e}. {@code w} and {@code b} start at zero: the experts start
 * equally weighted, as PETAL's code weighs its three instructions (0.33, 0.33, 0.34).
 *
 * <p>In-memory names: {@code petal.<adapter>.aim_gate_weight} {@code [hidden]},
 * {@code aim_gate_bias} {@code [experts]}, {@code sib_logit_scale} {@code [1]}.
 */
final class InstructionLayer implements AdapterLayer {
    private final InstructBlip model;
    private final Dict dict = new Dict();
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private List<String> active = List.of();
    private boolean disabled;
    private Map<String, Double> lastTerms = Map.of();

    /** One adapter's gate and SIB settings. */
    static final class Slot extends HfBlock implements AdapterBlock {
        final List<Optional<long[]>> expertIds;
        final boolean sib;
        final double eta;
        final double weight;

        Slot(DmaPlan plan) {
            DmaConfig c = plan.config();
            this.expertIds = plan.experts().map(DmaPlan.Experts::ids).orElse(List.of());
            this.sib = c.sib();
            this.eta = c.sibEta();
            this.weight = c.sibWeight();
            plan.experts().ifPresent(e -> {
                declareParameter("aim_gate_weight", Parameter.Type.WEIGHT, new Shape(e.width()));
                declareParameter("aim_gate_bias", Parameter.Type.BIAS, new Shape(e.instructions().size()));
            });
            if (sib) {
                declareParameter("sib_logit_scale", Parameter.Type.WEIGHT, new Shape(1));
            }
        }

        boolean aim() {
            return !expertIds.isEmpty();
        }

        NDArray tensor(String name) {
            return array(name);
        }
    }

    InstructionLayer(InstructBlip model) {
        this.model = model;
        model.attachQueryFeatureHook("petal", dict);
    }

    /** Adds an adapter's gate and SIB scale (declared; the caller sets the arrays). */
    Slot add(String adapter, DmaPlan plan) {
        if (slots.containsKey(adapter)) {
            throw new IllegalStateException("the model already has PETAL instruction parts named '" + adapter + "'");
        }
        Slot s = new Slot(plan);
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
        model.detachQueryFeatureHook("petal");
    }

    @Override
    public boolean canMerge() {
        return false;
    }

    @Override
    public void merge() {
        throw new PeftException("PETAL's instruction experts cannot be merged into the base weights: they run the Q-Former once per"
                + " instruction");
    }

    @Override
    public void unmerge() {
        // never merged
    }

    @Override
    public Map<String, Double> lossTerms() {
        return lastTerms;
    }

    private Optional<Slot> activeSlot() {
        if (disabled || active.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(slots.get(active.get(0)));
    }

    /** The gate's mixture of the experts' query outputs. */
    private NDArray mix(QueryFeatureHook.QFormerRun qformer, NDArray ids, NDArray mask, Slot s) {
        long batch = ids.getShape().get(0);
        List<NDArray> outputs = new ArrayList<>();
        for (Optional<long[]> expert : s.expertIds) {
            if (expert.isEmpty()) {
                outputs.add(qformer.queryOutputs(ids, mask));
            } else {
                long[] one = expert.get();
                NDArray row = ids.getManager().create(one, new Shape(1, one.length));
                NDArray tiled = row.repeat(0, batch);
                outputs.add(qformer.queryOutputs(tiled, tiled.onesLike()));
            }
        }
        return mix(outputs, s.tensor("aim_gate_weight"), s.tensor("aim_gate_bias"));
    }

    /**
     * {@code sum_e softmax_e(w . mean_q(F_e) + b_e) F_e} for expert outputs {@code F_e [batch, queries, hidden]}.
     */
    static NDArray mix(List<NDArray> outputs, NDArray gateWeight, NDArray gateBias) {
        NDArray stacked = NDArrays.stack(new NDList(outputs), 1); // [batch, experts, queries, hidden]
        NDArray pooled = stacked.mean(new int[] {2}); // [batch, experts, hidden]
        NDArray w = stacked.getManager().zeros(gateWeight.getShape(), stacked.getDataType()).add(gateWeight);
        NDArray b = stacked.getManager().zeros(gateBias.getShape(), stacked.getDataType()).add(gateBias);
        NDArray logits = pooled.matMul(w.reshape(-1, 1)).squeeze(2).add(b); // [batch, experts]
        NDArray gates = logits.softmax(1).expandDims(2).expandDims(3);
        return stacked.mul(gates).sum(new int[] {1});
    }

    /** SIB for the batch, weighted; records its unweighted value for the training log. */
    private Optional<NDArray> sibTerm(InstructBlip adapted, InstructBlipInputs inputs, InstructBlipOutput output) {
        Optional<Slot> slot = activeSlot();
        if (slot.isEmpty() || !slot.get().sib || inputs.labels().isEmpty()) {
            return Optional.empty();
        }
        Slot s = slot.get();
        NDArray projected = output.languageModelInputs();
        NDArray z = projected.mean(new int[] {1});
        NDArray labels = inputs.labels().get().toType(DataType.INT64, false);
        NDArray labelMask = labels.gte(0);
        NDArray y = Sib.maskedMean(adapted.languageModel().embedTokens(labels.maximum(labels.zerosLike())), labelMask);
        NDArray ids = inputs.inputIds().toType(DataType.INT64, false);
        NDArray promptMask = inputs.attentionMask().map(m -> m.toType(DataType.INT64, false)).orElseGet(ids::onesLike);
        Optional<Integer> imageToken = adapted.config().imageTokenId();
        if (imageToken.isPresent()) {
            // the placeholders carry no instruction text
            promptMask = promptMask.mul(ids.neq(imageToken.get()).toType(DataType.INT64, false));
        }
        NDArray x = Sib.maskedMean(adapted.languageModel().embedTokens(ids), promptMask);
        NDArray loss = Sib.loss(z, y, x, s.tensor("sib_logit_scale"), s.eta);
        lastTerms = Map.of("sib", (double) loss.getFloat());
        return Optional.of(loss.mul(dev.mmpeft.models.nn.Scalars.of(loss, (float) s.weight)));
    }

    /** The hook on the model: AIM's mixture in the forward pass, SIB in the training loss. */
    private final class Dict extends HfBlock implements QueryFeatureHook, InstructBlipLossTerm, AdapterBlock {
        void put(String adapter, Slot slot) {
            child(adapter, slot);
        }

        void drop(String adapter) {
            removeChild(adapter);
        }

        @Override
        public NDArray queryOutputs(QFormerRun qformer, NDArray instructionIds, NDArray instructionMask) {
            Slot s = activeSlot().filter(Slot::aim).orElseThrow(() -> new IllegalStateException("no active AIM adapter"));
            return mix(qformer, instructionIds, instructionMask, s);
        }

        @Override
        public boolean isActive() {
            return activeSlot().map(Slot::aim).orElse(false);
        }

        @Override
        public Optional<NDArray> term(InstructBlip adapted, InstructBlipInputs inputs, InstructBlipOutput output) {
            return sibTerm(adapted, inputs, output);
        }
    }
}
