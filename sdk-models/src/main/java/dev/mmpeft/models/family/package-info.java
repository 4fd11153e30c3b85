/**
 * The model families behind one API: {@link dev.mmpeft.models.family.Models#load} reads a Hugging
 * Face directory's {@code config.json}, picks the {@link dev.mmpeft.models.family.ModelFamily}
 * (found by {@link java.util.ServiceLoader}) that loads its {@code model_type}, and returns a
 * {@link dev.mmpeft.models.family.MultimodalModel} with forward, generation, candidate scoring
 * and the Component-to-module mapping, whatever the family.
 */
@NullMarked
package dev.mmpeft.models.family;

import org.jspecify.annotations.NullMarked;
