package dev.mmpeft.peft;

import dev.mmpeft.core.Component;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The configuration of a method that attaches to chosen modules, with Hugging Face PEFT's targeting
 * fields and their rules: a {@link #targetModules()} entry matches a module whose name equals it or
 * ends with {@code "." + entry}; {@link #targetRegex()} must match a whole module name; excludes
 * win; {@link #layersToTransform()} keeps only modules whose layer index (the number after
 * {@link #layersPattern()}, or after the first {@code .name.} segment) is listed. Components and
 * names may be combined: the adapter covers their union; saved adapters list the exact module names
 * the components resolved to, since PEFT knows no components.
 */
public abstract class TargetedConfig extends PeftConfig {
    /** Components whose modules the method targets (resolved through the model). */
    public abstract Set<Component> targetComponents();

    /** {@code target_modules} as a list: module names or name suffixes. */
    public abstract List<String> targetModules();

    /** {@code target_modules} as a single string: a regular expression matched against whole module names. */
    public abstract Optional<String> targetRegex();

    /** {@code exclude_modules} as a list (exact names or suffixes); excludes win over targets. */
    public abstract List<String> excludeModules();

    /** {@code exclude_modules} as a regular expression matched against whole module names. */
    public abstract Optional<String> excludeRegex();

    /** {@code layers_to_transform}: only modules in these layers (empty: all layers). */
    public abstract List<Integer> layersToTransform();

    /** {@code layers_pattern}: the name of the module list the layer index follows ({@code layer}, {@code block}). */
    public abstract List<String> layersPattern();

    /** Whether any target is configured (a pure full fine-tuning has none). */
    public boolean hasTargets() {
        return !targetComponents().isEmpty() || !targetModules().isEmpty() || targetRegex().isPresent();
    }

    /** Checks the targeting fields; {@code owner} names the config in messages ({@code LoraConfig}). */
    protected final void checkTargets(String owner) {
        checkCommon(owner);
        if (targetRegex().isPresent() && !targetModules().isEmpty()) {
            throw new PeftException(owner + ".target_modules is either a list of names or one regular expression, got both: "
                    + targetModules() + " and '" + targetRegex().get() + "'");
        }
        if (excludeRegex().isPresent() && !excludeModules().isEmpty()) {
            throw new PeftException(owner + ".exclude_modules is either a list of names or one regular expression, got both");
        }
        targetRegex().ifPresent(p -> compile(owner, "target_modules", p));
        excludeRegex().ifPresent(p -> compile(owner, "exclude_modules", p));
        if (targetRegex().isPresent() && (!layersToTransform().isEmpty() || !layersPattern().isEmpty())) {
            // PEFT: layers_to_transform/layers_pattern only apply to a list of target names
            throw new PeftException(owner + ".layers_to_transform/layers_pattern cannot be used when target_modules is a"
                    + " regular expression ('" + targetRegex().get() + "')");
        }
        for (String name : targetModules()) {
            if (name.isBlank()) {
                throw new PeftException(owner + ".target_modules contains an empty name");
            }
        }
        for (int layer : layersToTransform()) {
            if (layer < 0) {
                throw new PeftException(owner + ".layers_to_transform must hold layer indices >= 0, got " + layer);
            }
        }
        for (String p : layersPattern()) {
            compile(owner, "layers_pattern", p);
        }
    }

    /** Checks that {@code regex} compiles, naming the field when it does not. */
    protected static void compile(String owner, String field, String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new PeftException(owner + "." + field + ": invalid regular expression '" + regex + "': " + e.getDescription());
        }
    }
}
