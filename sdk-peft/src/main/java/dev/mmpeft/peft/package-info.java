/**
 * Parameter-efficient fine-tuning of any component: {@link dev.mmpeft.peft.Peft} (the fluent entry
 * point), {@link dev.mmpeft.peft.PeftModel} (an adapted model that shares the frozen base weights,
 * holds named adapters of any method, trains only the active one and saves it in the Hugging Face
 * PEFT layout), {@link dev.mmpeft.peft.PeftConfig} (what every method's immutable configuration
 * shares) and {@link dev.mmpeft.peft.FullConfig} (full fine-tuning of chosen parts).
 *
 * <p>Each method lives in a package of its own ({@code dev.mmpeft.peft.lora}: its config, its layer,
 * its plan and its {@code adapter_config.json} mapping) and plugs in through
 * {@code dev.mmpeft.peft.spi}; {@code dev.mmpeft.peft.format} reads and writes adapter directories
 * for every method; the method-neutral machinery (adapter set, shared weights, planning, loading)
 * lives in {@code dev.mmpeft.peft.internal}.
 *
 * <p>Semantics follow Hugging Face PEFT exactly (target matching, scaling, initialisation, the
 * adapter file format), so an adapter trained here loads in Python and one trained there loads
 * here.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.peft;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
