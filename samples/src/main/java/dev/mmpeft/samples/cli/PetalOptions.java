package dev.mmpeft.samples.cli;

import dev.mmpeft.experiments.PetalMethod;
import dev.mmpeft.peft.dma.DmaConfig;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * PETAL's switches beside {@code --method dma}, shared by {@code train} and {@code quickstart}: the
 * instruction experts (AIM), the information-bottleneck loss (SIB) and the ablation's
 * {@code --no-dma}. Kept apart from {@link MethodOptions} because they describe parts of one
 * method, not a method's size.
 */
public final class PetalOptions {
    @Option(names = "--aim", paramLabel = "N", description = "PETAL (--method dma): AIM with N instruction experts (default set: 3).")
    Integer aim;

    @Option(names = "--aim-instructions", paramLabel = "FILE", description = "PETAL: AIM's instruction set, one per line"
            + " ({instruction} = the example's own); one expert per instruction unless --aim.")
    Path aimInstructions;

    @Option(names = "--sib", description = "PETAL: add the score-based information-bottleneck loss (logged as sib).")
    boolean sib;

    @Option(names = "--sib-eta", paramLabel = "E", description = "PETAL: SIB's eta in max I(Z;Y) - eta I(Z;X) (default 0.1).")
    Double sibEta;

    @Option(names = "--no-dma", description = "PETAL without the mode approximation (AIM and/or SIB only; ablation V4).")
    boolean noDma;

    /** Whether any of PETAL's switches was given. */
    boolean any() {
        return aim != null || aimInstructions != null || sib || sibEta != null || noDma;
    }

    /** PETAL's parts as the flags switch them. */
    PetalMethod method() {
        List<String> instructions = aimInstructions == null ? List.of() : DmaConfig.readInstructions(aimInstructions);
        int experts = aim != null ? aim : aimInstructions != null ? instructions.size() : 0;
        return new PetalMethod(!noDma, experts, instructions, sib, sibEta == null ? 0.1 : sibEta);
    }
}
