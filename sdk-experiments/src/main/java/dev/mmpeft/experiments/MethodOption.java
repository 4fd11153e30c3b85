package dev.mmpeft.experiments;

import java.util.Arrays;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The options that size and place an {@link AdaptationMethod}, each taken by some methods only
 * ({@link AdaptationMethod#options()}): {@code virtual-tokens} is prefix tuning's, {@code bottleneck}
 * the bottleneck adapter's, and so on. Why one table: the setting, the command line and the help
 * text refuse an option on the wrong method from the same facts, with the same words.
 */
public enum MethodOption {
    /** Targets (components or module names). */
    TARGET("target", "targets", s -> !s.components().isEmpty() || !s.targetModules().isEmpty()),
    /** The LoRA rank (has a default, so only a command line can tell it was given). */
    RANK("rank", "rank", s -> false),
    /** LoRA's alpha (has a default, so only a command line can tell it was given). */
    ALPHA("alpha", "alpha", s -> false),
    /** DoRA on top of LoRA (a command-line switch that picks {@link StandardMethods#DORA}). */
    DORA("dora", "DoRA", s -> false),
    /** The bottleneck size {@code s}. */
    BOTTLENECK("bottleneck", "bottleneck size", s -> s.bottleneckSize().isPresent()),
    /** The bottleneck's reduction factor {@code f}. */
    REDUCTION_FACTOR("reduction-factor", "reduction factor", s -> s.reductionFactor().isPresent()),
    /** Houlsby or Pfeiffer placement. */
    PLACEMENT("placement", "placement", s -> s.placement().isPresent()),
    /** Prefix tuning's virtual tokens. */
    VIRTUAL_TOKENS("virtual-tokens", "virtual tokens", s -> s.virtualTokens().isPresent()),
    /** Prefix tuning's reparameterisation width. */
    PREFIX_PROJECTION("prefix-projection", "prefix projection", s -> s.prefixProjection().isPresent()),
    /** The adaption prompt's length. */
    PROMPT_LENGTH("prompt-length", "prompt length", s -> s.promptLength().isPresent()),
    /** How many top layers get an adaption prompt. */
    ADAPTION_LAYERS("adaption-layers", "adaption layers", s -> s.adaptionLayers().isPresent()),
    /** The connector ({@code language_projection}) trained in full beside the method. */
    CONNECTOR("connector", "connector tuning", FineTuning::tuneConnector);

    private final String flag;
    private final String noun;
    private final Predicate<FineTuning> setIn;

    MethodOption(String flag, String noun, Predicate<FineTuning> setIn) {
        this.flag = flag;
        this.noun = noun;
        this.setIn = setIn;
    }

    /** The option's name on the command line, without dashes ({@code virtual-tokens}). */
    public String flag() {
        return flag;
    }

    /** Whether {@code setting} sets this option (options with defaults never say so). */
    public boolean isSetIn(FineTuning setting) {
        return setIn.test(setting);
    }

    /** The standard methods that take this option, by their command-line names ({@code prefix}). */
    public String takenBy() {
        return Arrays.stream(StandardMethods.values()).filter(m -> m.options().contains(this)).map(StandardMethods::cliName)
                .collect(Collectors.joining(", "));
    }

    /** Why {@code method} refuses this option: {@code IA3 takes no virtual tokens (an option of: prefix)}. */
    public String refusal(AdaptationMethod method) {
        String by = takenBy();
        return method.name() + " takes no " + noun + " (" + flag + (by.isEmpty() ? "" : " is an option of: " + by) + ")";
    }
}
