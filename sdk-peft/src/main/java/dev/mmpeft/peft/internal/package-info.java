/**
 * The method-neutral machinery behind {@link dev.mmpeft.peft.PeftModel}: the adapter set (named
 * adapters, activation, disabling, merging, tensors trained in full), the base weights the adapted
 * twin shares, the plan of one adapter on one model, loading an adapter file, PEFT's target
 * matching. Not part of the public API: names and signatures here may change.
 */
@NullMarked
package dev.mmpeft.peft.internal;

import org.jspecify.annotations.NullMarked;
