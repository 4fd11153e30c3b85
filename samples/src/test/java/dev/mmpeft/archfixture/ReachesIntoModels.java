package dev.mmpeft.archfixture;

import dev.mmpeft.models.nn.Scalars;

/**
 * Deliberately bad: a class of a module whose only arrow is core using models (a public class, but
 * against the arrows). {@code ModuleBoundariesTest} expects it flagged.
 */
public final class ReachesIntoModels {
    private ReachesIntoModels() {}

    /** Names a class of a module it does not depend on. */
    public static Class<?> notADependency() {
        return Scalars.class;
    }
}
