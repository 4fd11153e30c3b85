package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.Devices;
import dev.mmpeft.core.MmpeftException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code --device} option of every command that computes, as a picocli mixin
 * ({@code @Mixin DeviceOption device;}): one description, one parser, and one refusal (exit 2,
 * one line naming what is missing) when a GPU is asked for that the engine does not see.
 */
final class DeviceOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto",
            description = "Where to compute: auto (gpu:0 when the engine sees a GPU, else cpu), cpu, gpu (= gpu:0), gpu:N,"
                    + " gpus (every GPU; training runs data-parallel) or a list such as gpu:0,gpu:1 (default ${DEFAULT-VALUE}).")
    String device;

    /**
     * The devices asked for, each checked to exist.
     *
     * @throws CommandLine.ParameterException (exit 2) naming the flag, the value and what is missing
     */
    List<Device> devices() {
        try {
            return Devices.require(Devices.parse(device));
        } catch (MmpeftException | IllegalArgumentException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "--device " + device + ": " + e.getMessage());
        }
    }

    /** The device the model is loaded on: the first of {@link #devices()}. */
    Device primary() {
        return devices().get(0);
    }

    /**
     * The one device of a command that does not train (evaluation, generation, a forward pass).
     *
     * @throws CommandLine.ParameterException when several devices are named
     */
    Device single() {
        List<Device> all = devices();
        if (all.size() > 1) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "--device " + device + ": this command runs on one"
                    + " device; several (" + all + ") are for training; use gpu:N");
        }
        return all.get(0);
    }
}
