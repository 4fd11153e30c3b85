/**
 * The papers' ablation sweep (components x ranks, full Q-Former, zero-shot) as independent,
 * resumable runs summarised in the papers' table and scatter plot.
 */
@NullMarked
package dev.mmpeft.samples.sweep;

import org.jspecify.annotations.NullMarked;
