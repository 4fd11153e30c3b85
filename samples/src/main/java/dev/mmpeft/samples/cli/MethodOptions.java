package dev.mmpeft.samples.cli;

import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.experiments.AdaptationMethod;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.MethodOption;
import dev.mmpeft.experiments.StandardMethods;
import dev.mmpeft.peft.bottleneck.AdapterPlacement;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The PEFT method and its size options, shared by {@code train}, {@code quickstart},
 * {@code sweep}, {@code inspect} and {@code bench}: {@code --method}, {@code --dora}, the bottleneck
 * adapter's, prefix tuning's and the adaption prompt's sizes, and {@code --connector}. An option of
 * another method is refused in one line with exit code 2, from sdk-experiments' table of which
 * method takes which option ({@link MethodOption}).
 */
public final class MethodOptions {
    @Spec(Spec.Target.MIXEE) CommandSpec spec;

    @Option(names = "--method", paramLabel = "METHOD",
            description = "PEFT method: lora, dora, ia3, adapter, prefix, adaption-prompt (LLaMA language models only) dma"
                    + " (PETAL's mode approximation on the Q-Former; train, inspect, sweep) or mm-adapter (LaVIN's"
                    + " Mixture-of-Modality Adapter; LaVIN models).")
    String method;

    /** Whether {@code --method mm-adapter} (LaVIN's Mixture-of-Modality Adapter) was given: inspect counts it on a LaVIN config. */
    boolean mmAdapter() {
        return method != null && method.strip().equalsIgnoreCase("mm-adapter");
    }

    /** Whether {@code --method dma} (PETAL) was given: its own flags, not this table's methods. */
    boolean dma() {
        return method != null && method.strip().equalsIgnoreCase("dma");
    }

    @Option(names = "--dora", description = "DoRA: LoRA with a trained magnitude per output feature (= --method dora).")
    boolean dora;

    @Option(names = "--bottleneck", paramLabel = "S", description = "adapter: bottleneck size s (default "
            + StandardMethods.DEFAULT_BOTTLENECK + ").")
    Integer bottleneck;

    @Option(names = "--reduction-factor", paramLabel = "F", description = "adapter: s = floor(width / F) instead of --bottleneck.")
    Double reductionFactor;

    @Option(names = "--placement", paramLabel = "P", description = "adapter: pfeiffer (after the feed-forward; default) or houlsby.")
    String placement;

    @Option(names = "--virtual-tokens", paramLabel = "N", description = "prefix: virtual tokens (default "
            + StandardMethods.DEFAULT_VIRTUAL_TOKENS + ").")
    Integer virtualTokens;

    @Option(names = "--prefix-projection", paramLabel = "H", description = "prefix: train through PEFT's MLP of hidden width H.")
    Integer prefixProjection;

    @Option(names = "--prompt-length", paramLabel = "N", description = "adaption-prompt: prompt positions per layer (default "
            + StandardMethods.DEFAULT_PROMPT_LENGTH + ").")
    Integer promptLength;

    @Option(names = "--adaption-layers", paramLabel = "L", description = "adaption-prompt: the top L layers get a prompt (default "
            + StandardMethods.DEFAULT_ADAPTION_LAYERS + ").")
    Integer adaptionLayers;

    @Option(names = "--connector", split = ",", paramLabel = "frozen|tuned",
            description = "Also train the connector (language_projection) in full: tuned; or frozen (default).")
    List<String> connector;

    /** The method {@code --method} names ({@code --dora} turns LoRA into DoRA), or empty when neither was given. */
    Optional<AdaptationMethod> method() {
        if (dma()) {
            throw new ParameterException(spec.commandLine(), "--method " + method.strip() + " does not apply to this command");
        }
        List<AdaptationMethod> named = method == null ? List.of() : parseMethods(method, "--method");
        if (named.size() > 1) {
            throw new ParameterException(spec.commandLine(), "--method takes one method, got '" + method + "'");
        }
        return named.isEmpty() ? Optional.ofNullable(dora ? StandardMethods.DORA : null) : Optional.of(named.get(0));
    }

    /** Methods by their command-line names, comma-separated; {@code --dora} turns each LoRA into DoRA. */
    List<AdaptationMethod> parseMethods(String text, String flag) {
        List<AdaptationMethod> methods = new ArrayList<>();
        for (String name : text.split(",")) {
            if (name.isBlank()) {
                continue;
            }
            StandardMethods m;
            try {
                m = StandardMethods.parse(name);
            } catch (MmpeftException e) {
                throw new ParameterException(spec.commandLine(), flag + " '" + name.strip() + "' is not a PEFT method; expected lora,"
                        + " dora, ia3, adapter, prefix, adaption-prompt, dma (PETAL: train, inspect, sweep) or mm-adapter (LaVIN models)");
            }
            if (m == StandardMethods.ZERO_SHOT || m == StandardMethods.FULL_QFORMER) {
                throw new ParameterException(spec.commandLine(), flag + ": '" + name.strip() + "' is not a PEFT method; expected lora,"
                        + " dora, ia3, adapter, prefix, adaption-prompt or mm-adapter");
            }
            methods.add(dora && m == StandardMethods.LORA ? StandardMethods.DORA : m);
        }
        if (methods.isEmpty()) {
            throw new ParameterException(spec.commandLine(), flag + " names no method");
        }
        return methods;
    }

    /** The connector settings {@code --connector} lists ({@code false} frozen, {@code true} tuned); empty when not given. */
    List<Boolean> connectors() {
        List<Boolean> out = new ArrayList<>();
        for (String c : connector == null ? List.<String>of() : connector) {
            switch (c.strip().toLowerCase(Locale.ROOT)) {
                case "frozen" -> out.add(false);
                case "tuned" -> out.add(true);
                default -> throw new ParameterException(spec.commandLine(), "--connector: unknown value '" + c + "'; expected frozen or tuned");
            }
        }
        return out;
    }

    /** The connector setting of a command that runs one setting: {@code --connector} with one value, or {@code fallback}. */
    boolean connectorTuned(boolean fallback) {
        List<Boolean> c = connectors();
        if (c.size() > 1) {
            throw new ParameterException(spec.commandLine(), "--connector takes one value here (frozen or tuned), got " + connector);
        }
        return c.isEmpty() ? fallback : c.get(0);
    }

    /** The options of this mixin given on the command line, plus {@code alsoGiven} (the command's own {@code --rank}, {@code --target}, ...). */
    Set<MethodOption> given(Set<MethodOption> alsoGiven) {
        Set<MethodOption> g = EnumSet.noneOf(MethodOption.class);
        g.addAll(alsoGiven);
        add(g, dora, MethodOption.DORA);
        add(g, bottleneck != null, MethodOption.BOTTLENECK);
        add(g, reductionFactor != null, MethodOption.REDUCTION_FACTOR);
        add(g, placement != null, MethodOption.PLACEMENT);
        add(g, virtualTokens != null, MethodOption.VIRTUAL_TOKENS);
        add(g, prefixProjection != null, MethodOption.PREFIX_PROJECTION);
        add(g, promptLength != null, MethodOption.PROMPT_LENGTH);
        add(g, adaptionLayers != null, MethodOption.ADAPTION_LAYERS);
        add(g, connectors().contains(true), MethodOption.CONNECTOR);
        return g;
    }

    private static void add(Set<MethodOption> set, boolean given, MethodOption option) {
        if (given) {
            set.add(option);
        }
    }

    /**
     * Refuses (exit code 2) an option that none of {@code methods} takes, and sizes below 1.
     *
     * @param alsoGiven the command's own method options that were given ({@code --rank}, {@code --target})
     */
    void check(List<AdaptationMethod> methods, Set<MethodOption> alsoGiven) {
        for (MethodOption o : given(alsoGiven)) {
            if (methods.stream().noneMatch(m -> m.options().contains(o))) {
                String names = methods.stream().map(MethodOptions::cliName).collect(Collectors.joining(","));
                throw new ParameterException(spec.commandLine(), "--" + o.flag() + " does not apply to --method" + (methods.size() > 1
                        ? "s " : " ") + names + " (it is an option of: " + o.takenBy() + ")");
            }
        }
        positive("--bottleneck", bottleneck);
        positive("--virtual-tokens", virtualTokens);
        positive("--prefix-projection", prefixProjection);
        positive("--prompt-length", promptLength);
        positive("--adaption-layers", adaptionLayers);
        if (reductionFactor != null && !(reductionFactor > 0 && Double.isFinite(reductionFactor))) {
            throw new ParameterException(spec.commandLine(), "--reduction-factor must be a number > 0, got " + reductionFactor);
        }
        if (bottleneck != null && reductionFactor != null) {
            throw new ParameterException(spec.commandLine(), "--bottleneck and --reduction-factor both size the adapter; give one");
        }
        placement();
        connectors();
    }

    private void positive(String flag, Integer value) {
        if (value != null && value < 1) {
            throw new ParameterException(spec.commandLine(), flag + " must be >= 1, got " + value);
        }
    }

    private Optional<AdapterPlacement> placement() {
        if (placement == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(AdapterPlacement.parse(placement));
        } catch (MmpeftException e) {
            throw new ParameterException(spec.commandLine(), "--placement: unknown value '" + placement + "'; expected pfeiffer or houlsby");
        }
    }

    /** Sets on {@code b} the size options that {@code m} takes (a sweep's other methods ignore the rest). */
    FineTuning.Builder apply(FineTuning.Builder b, AdaptationMethod m) {
        Set<MethodOption> takes = m.options();
        if (takes.contains(MethodOption.BOTTLENECK) && bottleneck != null) {
            b.bottleneckSize(bottleneck);
        }
        if (takes.contains(MethodOption.REDUCTION_FACTOR) && reductionFactor != null) {
            b.reductionFactor(reductionFactor);
        }
        if (takes.contains(MethodOption.PLACEMENT)) {
            placement().ifPresent(b::placement);
        }
        if (takes.contains(MethodOption.VIRTUAL_TOKENS) && virtualTokens != null) {
            b.virtualTokens(virtualTokens);
        }
        if (takes.contains(MethodOption.PREFIX_PROJECTION) && prefixProjection != null) {
            b.prefixProjection(prefixProjection);
        }
        if (takes.contains(MethodOption.PROMPT_LENGTH) && promptLength != null) {
            b.promptLength(promptLength);
        }
        if (takes.contains(MethodOption.ADAPTION_LAYERS) && adaptionLayers != null) {
            b.adaptionLayers(adaptionLayers);
        }
        return b;
    }

    static String cliName(AdaptationMethod m) {
        return m instanceof StandardMethods s ? s.cliName() : m.name().toLowerCase(Locale.ROOT);
    }
}
