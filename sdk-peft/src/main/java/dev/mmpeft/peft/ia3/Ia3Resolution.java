package dev.mmpeft.peft.ia3;

import dev.mmpeft.peft.internal.TargetMatcher;
import dev.mmpeft.peft.spi.PlanContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The IA3 configuration as saved: what PEFT must read to pick the same modules and the same
 * feed-forward ones. PEFT knows no components and no family table for InstructBLIP, so whatever
 * they decided is written out as names, in the form PEFT's rules accept ({@code feedforward_modules}
 * a subset of a list {@code target_modules}).
 */
final class Ia3Resolution {
    private Ia3Resolution() {}

    /**
     * @param defaults the family whose default targets were used, when the config had none
     */
    static Ia3Config resolve(Ia3Config config, Map<String, Ia3Plan.Module> planned, Optional<Ia3Family> defaults, PlanContext context) {
        ImmutableIa3Config r = ImmutableIa3Config.copyOf(config).withModulesToSave(context.modulesToSave())
                .withTrainComponents(List.of());
        List<String> feedforward = new ArrayList<>();
        planned.values().stream().filter(Ia3Plan.Module::feedforward).forEach(m -> feedforward.add(m.name()));
        boolean explicitFeedforward = config.feedforwardModules().isPresent() || config.feedforwardRegex().isPresent();
        if (defaults.isPresent()) {
            // as PEFT's _prepare_adapter_config fills them in: the table's entries, not the module names
            r = r.withTargetModules(defaults.get().targets());
            if (!explicitFeedforward) {
                r = r.withFeedforwardModules(defaults.get().feedforward());
            }
        } else if (!config.targetComponents().isEmpty()) {
            r = exactNames(r, planned, feedforward);
        } else if (!explicitFeedforward) {
            if (config.targetRegex().isPresent()) {
                // PEFT checks the subset rule only for two lists, so exact names are fine beside a pattern
                r = r.withFeedforwardModules(feedforward);
            } else {
                Optional<List<String>> entries = feedforwardEntries(config.targetModules(), planned);
                r = entries.isPresent() ? r.withFeedforwardModules(entries.get()) : exactNames(r, planned, feedforward);
            }
        }
        if (r.baseModelNameOrPath().isEmpty()) {
            r = r.withBaseModelNameOrPath(context.model().nameOrPath());
        }
        if (r.taskType().isEmpty()) {
            r = r.withTaskType(context.model().taskType());
        }
        return r;
    }

    private static ImmutableIa3Config exactNames(ImmutableIa3Config r, Map<String, Ia3Plan.Module> planned, List<String> feedforward) {
        // one build, so the subset rule is checked on the final pair, not on a half-changed one
        return ImmutableIa3Config.builder().from(r).targetComponents(List.of()).targetRegex(Optional.empty())
                .feedforwardRegex(Optional.empty()).targetModules(new TreeSet<>(planned.keySet()))
                .feedforwardModules(new ArrayList<>(new TreeSet<>(feedforward))).build();
    }

    /**
     * The {@code target_modules} entries whose modules are all feed-forward, when PEFT's suffix rule
     * over them gives back exactly the planned feed-forward decisions (T5 {@code [k, v, wo]} gives
     * {@code [wo]}); empty when no such subset exists.
     */
    private static Optional<List<String>> feedforwardEntries(List<String> targets, Map<String, Ia3Plan.Module> planned) {
        List<String> entries = new ArrayList<>();
        for (String e : targets) {
            boolean any = false;
            boolean all = true;
            for (Ia3Plan.Module m : planned.values()) {
                if (TargetMatcher.matchesEntry(e, m.name())) {
                    any = true;
                    all &= m.feedforward();
                }
            }
            if (any && all) {
                entries.add(e);
            }
        }
        for (Ia3Plan.Module m : planned.values()) {
            if (entries.stream().anyMatch(m.name()::endsWith) != m.feedforward()) {
                return Optional.empty();
            }
        }
        entries.sort(null);
        return Optional.of(entries);
    }
}
