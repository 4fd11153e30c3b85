/**
 * The shape every extension point shares ({@link dev.mmpeft.core.spi.NamedProvider}) and the one
 * ServiceLoader registry that finds providers by name and rank. Kept in core so that each module's
 * registry (dataset formats, evaluators, training listeners) behaves the same way.
 */
@NullMarked
package dev.mmpeft.core.spi;

import org.jspecify.annotations.NullMarked;
