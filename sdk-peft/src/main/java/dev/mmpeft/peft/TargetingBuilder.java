package dev.mmpeft.peft;

import dev.mmpeft.core.Component;

/**
 * The fluent targeting vocabulary of a {@link TargetedConfig}'s builder: components, module names
 * (PEFT's list {@code target_modules}), excludes and layers.
 *
 * @param <B> the builder's own type
 */
public interface TargetingBuilder<B extends TargetingBuilder<B>> extends PeftBuilder<B> {
    /** Components to target, as the generated builder adds them. */
    B addTargetComponents(Component... elements);

    /** {@code target_modules} entries, as the generated builder adds them. */
    B addTargetModules(String... elements);

    /** {@code exclude_modules} entries, as the generated builder adds them. */
    B addExcludeModules(String... elements);

    /** A {@code layers_to_transform} entry, as the generated builder adds it. */
    B addLayersToTransform(int element);

    /** {@code layers_pattern} entries, as the generated builder adds them. */
    B addLayersPattern(String... elements);

    /** PEFT's string {@code target_modules}: a regular expression that must match a whole module name. */
    B targetRegex(String regex);

    /** {@code target_modules} as a list, replacing earlier entries (generated). */
    B targetModules(Iterable<String> elements);

    /** {@code exclude_modules} as a regular expression. */
    B excludeRegex(String regex);

    /** {@code exclude_modules} as a list, replacing earlier entries (generated). */
    B excludeModules(Iterable<String> elements);

    /** {@code layers_pattern} as a list, replacing earlier entries (generated). */
    B layersPattern(Iterable<String> elements);

    /** Targets the modules of these components (unions allowed). */
    default B target(Component... components) {
        return addTargetComponents(components);
    }

    /**
     * Targets modules by name, as PEFT's list {@code target_modules}: an entry matches a module
     * whose name equals it or ends with {@code "." + entry}.
     */
    default B target(String... moduleNames) {
        return addTargetModules(moduleNames);
    }

    /** {@code exclude_modules} as a list of names (exact or suffix); excludes win. */
    default B exclude(String... moduleNames) {
        return addExcludeModules(moduleNames);
    }

    /** {@code layers_to_transform}: only these layer indices. */
    default B layers(int... indices) {
        B b = null;
        for (int i : indices) {
            b = addLayersToTransform(i);
        }
        @SuppressWarnings("unchecked")
        B self = b == null ? (B) this : b;
        return self;
    }
}
