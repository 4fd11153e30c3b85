/**
 * Building blocks shared by every model family: {@link dev.mmpeft.models.nn.HfBlock} (a DJL block
 * with Hugging Face names and declared shapes, whose parameters' arrays can be replaced without
 * touching the arrays), {@link dev.mmpeft.models.nn.HfModel} (a whole model: config, loading,
 * saving, owned arrays), {@link dev.mmpeft.models.nn.Weights} (checkpoint tensors in and out by
 * name, shapes checked), {@link dev.mmpeft.models.nn.Linear} (with adapter
 * attachment for PEFT), {@link dev.mmpeft.models.nn.Embedding}, {@link dev.mmpeft.models.nn.LayerNorm},
 * {@link dev.mmpeft.models.nn.RmsNorm}, and the math every family shares, written once to match
 * transformers: {@link dev.mmpeft.models.nn.Attention} (batched heads, grouped-query),
 * {@link dev.mmpeft.models.nn.Masks} (additive masks with float32's min),
 * {@link dev.mmpeft.models.nn.Activations} ({@code ACT2FN} by name), {@link dev.mmpeft.models.nn.Losses}
 * (cross-entropy with ignore index -100), {@link dev.mmpeft.models.nn.Dropouts} and
 * {@link dev.mmpeft.models.nn.KvCache}.
 *
 * <p>Memory rule for everything here: an operation's result belongs to the manager of its first
 * operand, so every computation starts from an activation (the caller's per-batch scope), never
 * from a parameter, or each step would leak into the model's manager.
 */
@NullMarked
package dev.mmpeft.models.nn;

import org.jspecify.annotations.NullMarked;
