package dev.mmpeft.archfixture;

import dev.mmpeft.core.train.internal.Tensors;

/**
 * Deliberately bad: a class of a module that may use core reaching into core's internal package.
 * {@code ModuleBoundariesTest} points the rule at this package and expects it flagged.
 */
public final class ReachesIntoCore {
    private ReachesIntoCore() {}

    /** Names the internal class, as real code would by calling it. */
    public static Class<?> internal() {
        return Tensors.class;
    }
}
