package dev.mmpeft.peft;

import dev.mmpeft.core.Component;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.internal.AdapterFiles;
import dev.mmpeft.peft.internal.AdapterPlan;
import java.nio.file.Path;
import java.util.List;

/**
 * Entry point of the PEFT API:
 *
 * <pre>{@code
 * PeftModel<InstructBlip> model = Peft.lora().rank(2).alpha(8)
 *         .target(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN)
 *         .on(base);
 * System.out.println(model.trainableParameters());   // trainable params: ... || all params: ... || trainable%: ...
 * model.save(Path.of("adapters/sqa-r2"));            // adapter_config.json + adapter_model.safetensors
 * }</pre>
 *
 * <p>Defaults are PEFT's ({@code r} 8, {@code lora_alpha} 8, no dropout, A Kaiming-uniform and B
 * zero, {@code bias} none). Only the targeted layers train: the query tokens and the language
 * projection stay frozen unless asked for ({@code .train(QUERY_TOKENS, LANGUAGE_PROJECTION)}), which
 * keeps the parameter counts those of the papers' per-component tables; the vision encoder stays
 * frozen unless targeted explicitly.
 */
public final class Peft {
    private Peft() {}

    /** A LoRA configuration, fluent. */
    public static LoraBuilder lora() {
        return new LoraBuilder();
    }

    /** Full fine-tuning of chosen parts, fluent. */
    public static FullBuilder full() {
        return new FullBuilder();
    }

    /** Adapts {@code model} with the PEFT adapter saved in {@code dir} (trainable, named "default"). */
    public static <M> PeftModel<M> load(AdaptableModel<M> model, Path dir) {
        return PeftModel.load(model, dir, true);
    }

    /** Adapts {@code model} with the PEFT adapter saved in {@code dir}, named "default". */
    public static <M> PeftModel<M> load(AdaptableModel<M> model, Path dir, boolean trainable) {
        return PeftModel.load(model, dir, trainable);
    }

    /** Adapts an InstructBLIP model with the PEFT adapter saved in {@code dir} (trainable, named "default"). */
    public static PeftModel<InstructBlip> load(InstructBlip model, Path dir) {
        return PeftModel.load(Adaptables.instructBlip(model), dir, true);
    }

    /** Adapts an InstructBLIP model with the PEFT adapter saved in {@code dir}, named "default". */
    public static PeftModel<InstructBlip> load(InstructBlip model, Path dir, boolean trainable) {
        return PeftModel.load(Adaptables.instructBlip(model), dir, trainable);
    }

    /**
     * Adapts an InstructBLIP model with the PEFT adapter saved in {@code dir} (trainable, named
     * "default"), with the processor that turns prompts into its inputs: ready for the trainer.
     */
    public static PeftModel<InstructBlip> load(InstructBlip model, InstructBlipProcessor processor, Path dir) {
        return PeftModel.load(Adaptables.instructBlip(model, processor), dir, true);
    }

    /** Reads and validates the {@code adapter_config.json} of an adapter directory. */
    public static LoraConfig readConfig(Path dir) {
        return AdapterFiles.readConfig(dir);
    }

    /** A fluent {@link LoraConfig}: every setter returns the builder; {@link #build()} validates. */
    public static final class LoraBuilder {
        private final ImmutableLoraConfig.Builder b = LoraConfig.builder();
        private long seed;

        LoraBuilder() {}

        /** The rank {@code r} (PEFT default 8). */
        public LoraBuilder rank(int r) {
            b.r(r);
            return this;
        }

        /** {@code lora_alpha} (PEFT default 8); scaling is alpha / r. */
        public LoraBuilder alpha(double alpha) {
            b.loraAlpha(alpha);
            return this;
        }

        /** {@code lora_dropout}, applied to the LoRA branch's input in training mode. */
        public LoraBuilder dropout(double p) {
            b.loraDropout(p);
            return this;
        }

        /** {@code use_rslora}: scaling alpha / sqrt(r). */
        public LoraBuilder useRslora(boolean on) {
            b.useRslora(on);
            return this;
        }

        /** {@code init_lora_weights}. */
        public LoraBuilder init(InitLoraWeights init) {
            b.initLoraWeights(init);
            return this;
        }

        /** {@code bias}: none, all or lora_only. */
        public LoraBuilder bias(LoraBias bias) {
            b.bias(bias);
            return this;
        }

        /** {@code lora_bias}: give lora_B a bias of its own. */
        public LoraBuilder loraBias(boolean on) {
            b.loraBias(on);
            return this;
        }

        /** Puts LoRA on the linear layers of these components (unions allowed). */
        public LoraBuilder target(Component... components) {
            b.addTargetComponents(components);
            return this;
        }

        /**
         * Puts LoRA on modules by name, as PEFT's list {@code target_modules}: an entry matches a module
         * whose name equals it or ends with {@code "." + entry}.
         */
        public LoraBuilder target(String... moduleNames) {
            b.addTargetModules(moduleNames);
            return this;
        }

        /** PEFT's string {@code target_modules}: a regular expression that must match a whole module name. */
        public LoraBuilder targetRegex(String regex) {
            b.targetRegex(regex);
            return this;
        }

        /** {@code exclude_modules} as a list of names (exact or suffix); excludes win. */
        public LoraBuilder exclude(String... moduleNames) {
            b.addExcludeModules(moduleNames);
            return this;
        }

        /** {@code exclude_modules} as a regular expression. */
        public LoraBuilder excludeRegex(String regex) {
            b.excludeRegex(regex);
            return this;
        }

        /** {@code layers_to_transform}: only these layer indices. */
        public LoraBuilder layers(int... indices) {
            for (int i : indices) {
                b.addLayersToTransform(i);
            }
            return this;
        }

        /** {@code layers_pattern}: the module list the layer index follows ({@code layer}, {@code block}). */
        public LoraBuilder layersPattern(String... patterns) {
            b.addLayersPattern(patterns);
            return this;
        }

        /** A {@code rank_pattern} entry: modules matching {@code pattern} get rank {@code r}. */
        public LoraBuilder rankPattern(String pattern, int r) {
            b.putRankPattern(pattern, r);
            return this;
        }

        /** An {@code alpha_pattern} entry: modules matching {@code pattern} get alpha {@code alpha}. */
        public LoraBuilder alphaPattern(String pattern, double alpha) {
            b.putAlphaPattern(pattern, alpha);
            return this;
        }

        /**
         * Also trains these components in full (PEFT's {@code modules_to_save}): for example
         * {@link Component#QUERY_TOKENS} and {@link Component#LANGUAGE_PROJECTION}, trainable in the
         * papers' LoRA runs, or {@link Component#QFORMER_ALL}.
         */
        public LoraBuilder train(Component... components) {
            b.addTrainComponents(components);
            return this;
        }

        /** Also trains these modules or tensors in full (PEFT's {@code modules_to_save}). */
        public LoraBuilder train(String... modulesOrTensors) {
            b.addModulesToSave(modulesOrTensors);
            return this;
        }

        /** Adds full fine-tuning of other parts (the papers' "LLM LoRA + Q-Former full"). */
        public LoraBuilder and(FullConfig full) {
            b.addAllTrainComponents(full.components());
            b.addAllModulesToSave(full.modules());
            return this;
        }

        /** Adds full fine-tuning of other parts. */
        public LoraBuilder and(FullBuilder full) {
            return and(full.build());
        }

        /** {@code base_model_name_or_path} written with the adapter (defaults to the model's own). */
        public LoraBuilder baseModelNameOrPath(String nameOrPath) {
            b.baseModelNameOrPath(nameOrPath);
            return this;
        }

        /** {@code task_type} written with the adapter (defaults to the model family's). */
        public LoraBuilder taskType(String taskType) {
            b.taskType(taskType);
            return this;
        }

        /** Seed of the LoRA initialisation (default 0); equal seeds give equal starting adapters. */
        public LoraBuilder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The validated configuration.
         *
         * @throws PeftException naming the field and value at fault
         */
        public LoraConfig build() {
            return b.build();
        }

        /** Adapts {@code model}: builds the configuration and a {@link PeftModel} (the model is not modified). */
        public <M> PeftModel<M> on(AdaptableModel<M> model) {
            return PeftModel.create(model, build(), seed);
        }

        /** Adapts an InstructBLIP model (see {@link Adaptables#instructBlip(InstructBlip)}). */
        public PeftModel<InstructBlip> on(InstructBlip model) {
            return on(Adaptables.instructBlip(model));
        }

        /**
         * Adapts an InstructBLIP model with the processor of its directory, so the result trains on
         * prompts; {@code nameOrPath} is written to saved adapters as {@code base_model_name_or_path}.
         */
        public PeftModel<InstructBlip> on(InstructBlip model, InstructBlipProcessor processor, String nameOrPath) {
            return on(Adaptables.instructBlip(model, processor, nameOrPath));
        }

        /** The report this configuration gives on an InstructBLIP structure (for example {@code InstructBlip.fromConfig}). */
        public ParameterReport report(InstructBlip structure) {
            return report(Adaptables.instructBlip(structure));
        }

        /**
         * The trainable-parameter report this configuration would give on {@code structure}, from
         * declared shapes alone: works on a model built from a config with no weights allocated.
         */
        public ParameterReport report(AdaptableModel<?> structure) {
            AdapterPlan plan = AdapterPlan.of(build(), structure, true);
            return Reports.of(structure.root().parameterCount(), List.of(plan), plan);
        }
    }

    /** A fluent {@link FullConfig}. */
    public static final class FullBuilder {
        private final ImmutableFullConfig.Builder b = FullConfig.builder();

        FullBuilder() {}

        /** Trains these components in full. */
        public FullBuilder target(Component... components) {
            b.addComponents(components);
            return this;
        }

        /** Trains these modules (or tensors) in full, for example {@code qformer}. */
        public FullBuilder target(String... modules) {
            b.addModules(modules);
            return this;
        }

        /** The validated configuration. */
        public FullConfig build() {
            return b.build();
        }

        /** Combines with LoRA on other parts. */
        public LoraBuilder and(LoraBuilder lora) {
            return lora.and(build());
        }

        /** Adapts {@code model}: the chosen parts train, everything else is frozen. */
        public <M> PeftModel<M> on(AdaptableModel<M> model) {
            return PeftModel.create(model, toLora(build()), 0);
        }

        /** Adapts an InstructBLIP model: the chosen parts train in full, everything else is frozen. */
        public PeftModel<InstructBlip> on(InstructBlip model) {
            return on(Adaptables.instructBlip(model));
        }

        /** The trainable-parameter report on {@code structure}, from declared shapes alone. */
        public ParameterReport report(AdaptableModel<?> structure) {
            AdapterPlan plan = AdapterPlan.of(toLora(build()), structure, true);
            return Reports.of(structure.root().parameterCount(), List.of(plan), plan);
        }

        private static LoraConfig toLora(FullConfig full) {
            return LoraConfig.builder().trainComponents(full.components()).modulesToSave(full.modules()).build();
        }
    }
}
