/**
 * Building blocks shared by every model family: {@link dev.mmpeft.models.nn.HfBlock} (a DJL block
 * with Hugging Face names and declared shapes), {@link dev.mmpeft.models.nn.Linear} (with adapter
 * attachment for PEFT), {@link dev.mmpeft.models.nn.Embedding}, {@link dev.mmpeft.models.nn.LayerNorm}.
 *
 * <p>Memory rule for everything here: an operation's result belongs to the manager of its first
 * operand, so every computation starts from an activation (the caller's per-batch scope), never
 * from a parameter, or each step would leak into the model's manager.
 */
@NullMarked
package dev.mmpeft.models.nn;

import org.jspecify.annotations.NullMarked;
