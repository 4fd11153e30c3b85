/**
 * The block surgery behind {@link dev.mmpeft.peft.PeftModel}: LoRA layers attached to
 * {@link dev.mmpeft.models.nn.Linear}, PEFT's target matching, initialisation, the adapter file
 * format, and the arrays adapters own (pointing a parameter at them is
 * {@code HfBlock.replaceArray}, which leaves arrays shared with the base model untouched).
 * Not part of the public API: names and signatures here may change.
 */
@NullMarked
package dev.mmpeft.peft.internal;

import org.jspecify.annotations.NullMarked;
