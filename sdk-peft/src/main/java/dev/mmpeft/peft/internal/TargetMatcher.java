package dev.mmpeft.peft.internal;

import dev.mmpeft.peft.TargetedConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face PEFT's module matching ({@code check_target_module_exists}, {@code get_pattern_key},
 * {@code _set_trainable}), rule for rule, so that a configuration selects the same modules here
 * as in Python.
 */
public final class TargetMatcher {
    /** The outcome of matching one module name. */
    public enum Result {
        /** Targeted. */
        MATCHED,
        /** Not targeted. */
        UNMATCHED,
        /** Excluded by {@code exclude_modules} or because it lies in a module to save. */
        EXCLUDED
    }

    // PEFT: the lazy .*? picks the first numbered segment (the layer), not a nested index
    private static final Pattern ANY_LAYER = Pattern.compile(".*?\\.[^.]*\\.(\\d+)\\.");

    private TargetMatcher() {}

    /**
     * PEFT's {@code check_target_module_exists} for the name-based part of a config (components are
     * resolved by the caller and passed as {@code exactNames}, which match like entries of
     * {@code target_modules} given in full).
     */
    public static Result check(TargetedConfig config, List<String> modulesToSave, Set<String> exactNames, String key) {
        if (config.excludeRegex().isPresent()) {
            if (fullMatch(config.excludeRegex().get(), key)) {
                return Result.EXCLUDED;
            }
        } else if (matchesList(config.excludeModules(), key)) {
            return Result.EXCLUDED;
        }
        // PEFT: adapters never go inside a module to save (the two would fight over its forward)
        for (String m : modulesToSave) {
            if (Pattern.compile("(^|.*\\.)" + m + "($|\\..*)").matcher(key).matches()) {
                return Result.EXCLUDED;
            }
        }
        if (config.targetRegex().isPresent() && fullMatch(config.targetRegex().get(), key)) {
            return Result.MATCHED;
        }
        if (config.targetModules().contains(key)) {
            // an exact entry skips the layer filter in PEFT
            return Result.MATCHED;
        }
        boolean found = endsWithAny(config.targetModules(), key);
        if (!found && exactNames.contains(key)) {
            found = true;
        }
        if (found && !config.layersToTransform().isEmpty()) {
            Optional<Integer> layer = layerIndex(config.layersPattern(), key);
            found = layer.isPresent() && config.layersToTransform().contains(layer.get());
        }
        return found ? Result.MATCHED : Result.UNMATCHED;
    }

    /** Whether a list entry equals {@code key} or is a dotted suffix of it. */
    public static boolean matchesList(List<String> entries, String key) {
        return entries.contains(key) || endsWithAny(entries, key);
    }

    /** Whether one entry of a target list matches {@code key} (equal, or a dotted suffix). */
    public static boolean matchesEntry(String entry, String key) {
        return key.equals(entry) || key.endsWith("." + entry);
    }

    private static boolean endsWithAny(List<String> entries, String key) {
        for (String e : entries) {
            if (key.endsWith("." + e)) {
                return true;
            }
        }
        return false;
    }

    /** Python's {@code re.fullmatch(pattern, key)}. */
    public static boolean fullMatch(String regex, String key) {
        return Pattern.compile(regex).matcher(key).matches();
    }

    /**
     * The layer index PEFT reads from a module name: the number after the first
     * {@code .<pattern>.} (or after the first {@code .name.} segment when no pattern is given).
     */
    public static Optional<Integer> layerIndex(List<String> layersPattern, String key) {
        if (layersPattern.isEmpty()) {
            return group(ANY_LAYER.matcher(key));
        }
        for (String p : layersPattern) {
            Optional<Integer> index = group(Pattern.compile(".*?\\." + p + "\\.(\\d+)\\.").matcher(key));
            if (index.isPresent()) {
                return index;
            }
        }
        return Optional.empty();
    }

    private static Optional<Integer> group(Matcher m) {
        // re.match: anchored at the start, not at the end
        if (!m.lookingAt()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(m.group(1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * PEFT's {@code get_pattern_key}: the first pattern key (in the map's order) with
     * {@code re.match(r"(.*\.)?(key)$", name)}.
     */
    public static <V> Optional<V> patternValue(Map<String, V> patterns, String name) {
        for (Map.Entry<String, V> e : patterns.entrySet()) {
            if (Pattern.compile("(.*\\.)?(" + e.getKey() + ")$").matcher(name).matches()) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    /**
     * PEFT's {@code _set_trainable} test for a module to save: the module's name ends with the
     * entry (a plain suffix test, as in PEFT).
     */
    public static boolean isModuleToSave(List<String> modulesToSave, String moduleName) {
        for (String m : modulesToSave) {
            if (moduleName.endsWith(m)) {
                return true;
            }
        }
        return false;
    }
}
