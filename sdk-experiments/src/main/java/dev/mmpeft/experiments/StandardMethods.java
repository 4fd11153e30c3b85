package dev.mmpeft.experiments;

import dev.mmpeft.core.Component;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.lavin.Lavin;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftBuilder;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.peft.TargetingBuilder;
import dev.mmpeft.peft.bottleneck.AdapterPlacement;
import dev.mmpeft.peft.bottleneck.BottleneckConfig;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The adaptation methods of the papers: the untrained model, LoRA (and DoRA) on a setting's
 * components at its rank, (IA)³, bottleneck adapters, prefix tuning and adaption prompts on the
 * language model, and full fine-tuning of the Q-Former with its query tokens and the language
 * projection (as InstructBLIP trains it). Why one enum: a method's name on the command line, in
 * {@code summary.json} and in the tables is then one fact, and "method name + size options +
 * targets" becomes a PEFT configuration in one place ({@link #peftBuilder}).
 *
 * <p>Sizes when a setting gives none (chosen so each method lifts the embedded default model by
 * more than 30 points on the quickstart task; README "The PEFT study"): LoRA/DoRA the setting's
 * rank; bottleneck adapters Pfeiffer placement with {@value #DEFAULT_BOTTLENECK} hidden units;
 * prefix tuning {@value #DEFAULT_VIRTUAL_TOKENS} virtual tokens; adaption prompts
 * {@value #DEFAULT_PROMPT_LENGTH} positions on the top {@value #DEFAULT_ADAPTION_LAYERS} layers.
 * Without components IA3 takes PEFT's targets for the language model's family (T5 {@code k, v, wo}),
 * bottleneck adapters go on the language model's layers, prefixes and prompts on its
 * self-attention layers. Any trained method may also train the connector
 * ({@link FineTuning#tuneConnector()}).
 */
public enum StandardMethods implements AdaptationMethod {
    /** No training: the model as it is. */
    ZERO_SHOT("zero-shot", EnumSet.noneOf(MethodOption.class)) {
        @Override
        public boolean trains() {
            return false;
        }

        @Override
        public String label(FineTuning s) {
            return "zero-shot";
        }

        @Override
        public String slug(FineTuning s) {
            return "zero-shot";
        }

        @Override
        public int size(FineTuning s) {
            return 0;
        }

        @Override
        public PeftModel<?> adapt(BaseModel base, FineTuning s) {
            throw new ExperimentException("nothing to adapt for " + name() + ": a zero-shot setting only evaluates");
        }
    },

    /** LoRA on the setting's components at its rank, alpha and dropout. */
    LORA("LoRA", EnumSet.of(MethodOption.TARGET, MethodOption.RANK, MethodOption.ALPHA, MethodOption.DORA, MethodOption.CONNECTOR)) {
        @Override
        public String slug(FineTuning s) {
            return "lora-" + folderSafe(label(s)) + "-r" + s.rank() + connectorSuffix(s);
        }

        @Override
        public int size(FineTuning s) {
            return s.rank();
        }

        @Override
        public Set<Component> defaultComponents() {
            return EnumSet.of(Component.LLM_ALL);
        }

        @Override
        public void check(FineTuning s) {
            if (s.components().isEmpty() && s.targetModules().isEmpty()) {
                throw new ExperimentException("LoRA needs at least one component to target");
            }
        }

        @Override
        public Optional<PeftBuilder<?>> peftBuilder(FineTuning s) {
            var lora = Peft.lora().rank(s.rank()).alpha(s.alpha()).dropout(s.dropout()).seed(s.seed());
            return Optional.of(withParts(targeted(lora, s), s));
        }
    },

    /** DoRA (PEFT's {@code use_dora}): LoRA with a trained magnitude per output feature, same targets and sizes as LoRA. */
    DORA("DoRA", EnumSet.of(MethodOption.TARGET, MethodOption.RANK, MethodOption.ALPHA, MethodOption.DORA, MethodOption.CONNECTOR)) {
        @Override
        public String slug(FineTuning s) {
            return "dora-" + folderSafe(label(s)) + "-r" + s.rank() + connectorSuffix(s);
        }

        @Override
        public int size(FineTuning s) {
            return s.rank();
        }

        @Override
        public Set<Component> defaultComponents() {
            return EnumSet.of(Component.LLM_ALL);
        }

        @Override
        public void check(FineTuning s) {
            if (s.components().isEmpty() && s.targetModules().isEmpty()) {
                throw new ExperimentException("DoRA needs at least one component to target");
            }
        }

        @Override
        public Optional<PeftBuilder<?>> peftBuilder(FineTuning s) {
            var dora = Peft.lora().rank(s.rank()).alpha(s.alpha()).dropout(s.dropout()).dora(true).seed(s.seed());
            return Optional.of(withParts(targeted(dora, s), s));
        }
    },

    /** (IA)³: learned scaling vectors, on the setting's components or PEFT's default targets of the language model. */
    IA3("IA3", EnumSet.of(MethodOption.TARGET, MethodOption.CONNECTOR)) {
        @Override
        public String slug(FineTuning s) {
            return "ia3" + componentSuffix(s) + connectorSuffix(s);
        }

        @Override
        public int size(FineTuning s) {
            return 0;
        }

        @Override
        public String sizeLabel(FineTuning s) {
            return "";
        }

        @Override
        public Optional<PeftBuilder<?>> peftBuilder(FineTuning s) {
            return Optional.of(withParts(targeted(Peft.ia3().seed(s.seed()), s), s));
        }
    },

    /** Bottleneck adapters (Pfeiffer unless the setting says Houlsby) of the setting's size, on its components or the language model. */
    ADAPTER("Adapter", EnumSet.of(MethodOption.TARGET, MethodOption.BOTTLENECK, MethodOption.REDUCTION_FACTOR,
            MethodOption.PLACEMENT, MethodOption.CONNECTOR)) {
        @Override
        public String slug(FineTuning s) {
            AdapterPlacement placement = s.placement().orElse(AdapterPlacement.PFEIFFER);
            String size = s.reductionFactor().isPresent() ? "f" + number(s.reductionFactor().getAsDouble())
                    : "s" + bottleneck(s);
            return "adapter-" + placement.jsonValue() + "-" + size + componentSuffix(s) + connectorSuffix(s);
        }

        @Override
        public int size(FineTuning s) {
            return s.reductionFactor().isPresent() ? 0 : bottleneck(s);
        }

        @Override
        public String sizeLabel(FineTuning s) {
            String size = s.reductionFactor().isPresent() ? "f=" + number(s.reductionFactor().getAsDouble()) : "s=" + bottleneck(s);
            return s.placement().orElse(AdapterPlacement.PFEIFFER) == AdapterPlacement.HOULSBY ? size + " houlsby" : size;
        }

        @Override
        public void check(FineTuning s) {
            if (s.bottleneckSize().isPresent() && s.reductionFactor().isPresent()) {
                throw new ExperimentException("a bottleneck adapter takes a bottleneck size or a reduction factor, not both (got "
                        + s.bottleneckSize().getAsInt() + " and " + number(s.reductionFactor().getAsDouble()) + ")");
            }
        }

        @Override
        public Optional<PeftBuilder<?>> peftBuilder(FineTuning s) {
            BottleneckConfig.Builder b = Peft.adapter().placement(s.placement().orElse(AdapterPlacement.PFEIFFER))
                    .dropout(s.dropout()).seed(s.seed());
            if (s.reductionFactor().isPresent()) {
                b.reductionFactor(s.reductionFactor().getAsDouble());
            } else {
                b.bottleneck(bottleneck(s));
            }
            return Optional.of(withParts(targeted(b, s), s));
        }
    },

    /** Prefix tuning (PEFT's {@code PREFIX_TUNING}) of the setting's virtual tokens on every self-attention layer of the language model. */
    PREFIX("Prefix", EnumSet.of(MethodOption.VIRTUAL_TOKENS, MethodOption.PREFIX_PROJECTION, MethodOption.CONNECTOR)) {
        @Override
        public String slug(FineTuning s) {
            String projection = s.prefixProjection().isPresent() ? "-p" + s.prefixProjection().getAsInt() : "";
            return "prefix-vt" + virtualTokens(s) + projection + connectorSuffix(s);
        }

        @Override
        public int size(FineTuning s) {
            return virtualTokens(s);
        }

        @Override
        public String sizeLabel(FineTuning s) {
            return "vt=" + virtualTokens(s) + (s.prefixProjection().isPresent() ? " p=" + s.prefixProjection().getAsInt() : "");
        }

        @Override
        public Optional<PeftBuilder<?>> peftBuilder(FineTuning s) {
            var prefix = Peft.prefix().virtualTokens(virtualTokens(s)).seed(s.seed());
            if (s.prefixProjection().isPresent()) {
                prefix.projection(s.prefixProjection().getAsInt());
            }
            return Optional.of(withParts(prefix, s));
        }
    },

    /** LLaMA-Adapter's adaption prompts (PEFT's {@code ADAPTION_PROMPT}; LLaMA-family language models only). */
    ADAPTION_PROMPT("Adaption prompt", EnumSet.of(MethodOption.PROMPT_LENGTH, MethodOption.ADAPTION_LAYERS, MethodOption.CONNECTOR)) {
        @Override
        public String slug(FineTuning s) {
            return "adaption-prompt-len" + promptLength(s) + "-top" + adaptionLayers(s) + connectorSuffix(s);
        }

        @Override
        public int size(FineTuning s) {
            return promptLength(s);
        }

        @Override
        public String sizeLabel(FineTuning s) {
            return "len=" + promptLength(s) + " top " + adaptionLayers(s);
        }

        @Override
        public Optional<PeftBuilder<?>> peftBuilder(FineTuning s) {
            var prompt = Peft.adaptionPrompt().promptLength(promptLength(s)).topLayers(adaptionLayers(s)).seed(s.seed());
            return Optional.of(withParts(prompt, s));
        }
    },

    /**
     * LaVIN's Mixture-of-Modality Adapter (LaVIN models only): MM-Adapters at the model's dimension
     * and temperature where LaVIN's code puts them (before self-attention in every LLaMA and CLIP
     * layer, unless targets say otherwise), the visual adapter trained in full beside them, as LaVIN
     * trains (so no {@code --connector}). Its batches may mix text-only and image prompts.
     */
    MM_ADAPTER("MM-Adapter", EnumSet.of(MethodOption.TARGET)) {
        @Override
        public String label(FineTuning s) {
            return s.components().isEmpty() && s.targetModules().isEmpty() ? "LLM+VISION" : super.label(s);
        }

        @Override
        public String slug(FineTuning s) {
            return "mm-adapter" + componentSuffix(s);
        }

        @Override
        public int size(FineTuning s) {
            return 0;
        }

        @Override
        public Optional<PeftBuilder<?>> peftBuilder(FineTuning s) {
            return Optional.of(targeted(Peft.mmAdapter().seed(s.seed()), s));
        }

        @Override
        public PeftModel<?> adapt(BaseModel base, FineTuning s) {
            base.model(Lavin.class, "the MM-Adapter (LaVIN's Mixture-of-Modality Adapter)");
            return super.adapt(base, s);
        }
    },

    /** The Q-Former, its query tokens and the language projection, every parameter trained. */
    FULL_QFORMER("Q-Former (full)", EnumSet.noneOf(MethodOption.class)) {
        @Override
        public String label(FineTuning s) {
            return "QFORMER_FULL";
        }

        @Override
        public String slug(FineTuning s) {
            return "qformer-full";
        }

        @Override
        public int size(FineTuning s) {
            return 0;
        }

        @Override
        public String sizeLabel(FineTuning s) {
            return "full";
        }

        @Override
        public Optional<PeftBuilder<?>> peftBuilder(FineTuning s) {
            // what Peft.full() saves: a LoRA configuration without targets whose modules_to_save are the parts
            return Optional.of(Peft.lora().train(InstructBlip.QFORMER, InstructBlip.QUERY_TOKENS, InstructBlip.LANGUAGE_PROJECTION));
        }

        @Override
        public PeftModel<?> adapt(BaseModel base, FineTuning s) {
            base.model(InstructBlip.class, "full Q-Former fine-tuning");
            return Peft.full().target(InstructBlip.QFORMER, InstructBlip.QUERY_TOKENS, InstructBlip.LANGUAGE_PROJECTION)
                    .on(base.adaptable());
        }
    };

    /** Bottleneck size when a setting gives neither a size nor a reduction factor. */
    public static final int DEFAULT_BOTTLENECK = 8;

    /** Virtual tokens of prefix tuning when a setting gives none. */
    public static final int DEFAULT_VIRTUAL_TOKENS = 10;

    /** Adaption-prompt length when a setting gives none. */
    public static final int DEFAULT_PROMPT_LENGTH = 10;

    /** Top layers with an adaption prompt when a setting gives none. */
    public static final int DEFAULT_ADAPTION_LAYERS = 2;

    private final String displayName;
    private final Set<MethodOption> options;

    StandardMethods(String displayName, Set<MethodOption> options) {
        this.displayName = displayName;
        this.options = options;
    }

    @Override
    public String displayName() {
        return displayName;
    }

    @Override
    public Set<MethodOption> options() {
        return options.isEmpty() ? EnumSet.noneOf(MethodOption.class) : EnumSet.copyOf(options);
    }

    /** The method's name on the command line: {@code lora}, {@code adaption-prompt}, {@code full-qformer}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The row label: the targeted components joined with {@code +} in the papers' order (then any
     * module names), or {@code LLM} for a method on its language-model defaults.
     */
    @Override
    public String label(FineTuning s) {
        return s.components().isEmpty() && s.targetModules().isEmpty() ? "LLM" : targetNames(s);
    }

    private static String targetNames(FineTuning s) {
        return java.util.stream.Stream.concat(s.components().stream().sorted().map(Enum::name), s.targetModules().stream())
                .collect(Collectors.joining("+"));
    }

    @Override
    public PeftModel<?> adapt(BaseModel base, FineTuning s) {
        PeftBuilder<?> builder = peftBuilder(s).orElseThrow(() -> new ExperimentException("nothing to adapt for " + name()));
        return PeftModel.adapt(base.adaptable(), builder.build(), builder.seed());
    }

    /** The method named {@code name} ({@code lora}, {@code IA3}, {@code adaption_prompt}, {@code full-qformer}), ignoring case. */
    public static StandardMethods parse(String name) {
        String key = name.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (StandardMethods m : values()) {
            if (m.cliName().equals(key)) {
                return m;
            }
        }
        throw new ExperimentException("unknown method '" + name + "'; expected one of "
                + Arrays.stream(values()).map(StandardMethods::cliName).collect(Collectors.joining(", ")));
    }

    private static <B extends TargetingBuilder<B>> B targeted(B builder, FineTuning s) {
        builder.target(s.components().toArray(new Component[0]));
        return builder.target(s.targetModules().toArray(new String[0]));
    }

    /** The connector and the papers' extras, trained in full beside the method. */
    private static <B extends PeftBuilder<B>> B withParts(B builder, FineTuning s) {
        if (s.trainExtras()) {
            builder.train(Component.QUERY_TOKENS, Component.LANGUAGE_PROJECTION);
        } else if (s.tuneConnector()) {
            builder.train(Component.LANGUAGE_PROJECTION);
        }
        return builder;
    }

    private static String connectorSuffix(FineTuning s) {
        return s.tuneConnector() ? "-connector" : "";
    }

    private static String componentSuffix(FineTuning s) {
        return s.components().isEmpty() && s.targetModules().isEmpty() ? "" : "-" + folderSafe(targetNames(s));
    }

    /** Lower case, with anything but letters, digits, {@code _}, {@code +} and {@code -} as {@code _}. */
    private static String folderSafe(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_+-]", "_");
    }

    private static int bottleneck(FineTuning s) {
        return s.bottleneckSize().orElse(DEFAULT_BOTTLENECK);
    }

    private static int virtualTokens(FineTuning s) {
        return s.virtualTokens().orElse(DEFAULT_VIRTUAL_TOKENS);
    }

    private static int promptLength(FineTuning s) {
        return s.promptLength().orElse(DEFAULT_PROMPT_LENGTH);
    }

    private static int adaptionLayers(FineTuning s) {
        return s.adaptionLayers().orElse(DEFAULT_ADAPTION_LAYERS);
    }

    static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
