package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.train.Precision;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code --precision} option of the commands that train, as a picocli mixin: fp32 everywhere,
 * fp16 (float32 master weights, dynamic loss scaling) on GPUs; refused with one line (exit 2) on
 * the CPU and for bf16, which the engine cannot represent.
 */
final class PrecisionOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "fp32",
            description = "Training compute precision: fp32, or fp16 on a GPU (float32 master weights, dynamic loss scaling);"
                    + " bf16 is not available with DJL 0.35.1 (default ${DEFAULT-VALUE}).")
    String precision;

    /**
     * The precision, checked against the devices it would run on.
     *
     * @throws CommandLine.ParameterException (exit 2) for an unknown value, bf16, or half precision on the CPU
     */
    Precision on(List<Device> devices) {
        Precision p;
        try {
            p = Precision.parse(precision);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        if (p == Precision.BF16) {
            throw bad(Precision.BF16.describeUnavailable());
        }
        if (p == Precision.FP16 && devices.stream().anyMatch(d -> !d.isGpu())) {
            throw bad("fp16 needs a GPU, but the run computes on " + devices + "; use --precision fp32 on the CPU");
        }
        return p;
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(mixee.commandLine(), "--precision " + precision + ": " + message);
    }
}
