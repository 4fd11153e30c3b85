package dev.mmpeft.experiments;

import dev.mmpeft.core.Component;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PETAL as an adaptation method, with each of its parts switchable as in its ablation (Table 4):
 * dynamic mode approximation at the setting's rank on the setting's Q-Former components
 * (QFORMER_ALL when none), the instruction experts, the information-bottleneck loss.
 *
 * @param dma whether the mode approximation is on
 * @param aimExperts AIM's number of experts (0: off)
 * @param aimInstructions AIM's instruction set (empty: the default set)
 * @param sib whether the SIB loss is on
 * @param sibEta SIB's eta
 */
public record PetalMethod(boolean dma, int aimExperts, List<String> aimInstructions, boolean sib, double sibEta)
        implements AdaptationMethod {
    public PetalMethod {
        aimInstructions = List.copyOf(aimInstructions);
        if (!dma && aimExperts == 0 && !sib) {
            throw new ExperimentException("PETAL with DMA, AIM and SIB all off trains nothing");
        }
    }

    /** DMA alone. */
    public static PetalMethod dmaOnly() {
        return new PetalMethod(true, 0, List.of(), false, 0.1);
    }

    /** All three parts: DMA, AIM with the default three instructions, SIB with eta 0.1 (PETAL). */
    public static PetalMethod full() {
        return new PetalMethod(true, 3, List.of(), true, 0.1);
    }

    /** The same method with each part on or off (AIM keeps its experts, 3 when it had none). */
    public PetalMethod withParts(boolean newDma, boolean aim, boolean newSib) {
        return new PetalMethod(newDma, aim ? (aimExperts > 0 ? aimExperts : 3) : 0, aimInstructions, newSib, sibEta);
    }

    @Override
    public String name() {
        return "DMA";
    }

    /** The parts that are on: {@code DMA+AIM+SIB}, {@code DMA}, {@code AIM+SIB}, ... */
    public String parts() {
        List<String> on = new ArrayList<>();
        if (dma) {
            on.add("DMA");
        }
        if (aimExperts > 0) {
            on.add("AIM");
        }
        if (sib) {
            on.add("SIB");
        }
        return String.join("+", on);
    }

    @Override
    public String label(FineTuning s) {
        return "PETAL " + parts();
    }

    @Override
    public String slug(FineTuning s) {
        return "petal-" + parts().toLowerCase(Locale.ROOT).replace('+', '-') + (dma ? "-r" + s.rank() : "");
    }

    @Override
    public int size(FineTuning s) {
        return dma ? s.rank() : 0;
    }

    @Override
    public PeftModel<InstructBlip> adapt(BaseModel base, FineTuning s) {
        var petal = Peft.dma().rank(s.rank()).modeApproximation(dma).aimExperts(aimExperts).aimInstructions(aimInstructions)
                .sib(sib).sibEta(sibEta).seed(s.seed());
        if (dma && !s.components().isEmpty()) {
            petal.target(s.components().toArray(new Component[0]));
        }
        return petal.on(base.model(InstructBlip.class, "PETAL"), base.processor(InstructBlipProcessor.class, "PETAL"),
                base.modelId());
    }
}
