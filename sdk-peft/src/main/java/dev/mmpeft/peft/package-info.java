/**
 * Parameter-efficient fine-tuning of any InstructBLIP component: {@link dev.mmpeft.peft.Peft}
 * (the fluent entry point), {@link dev.mmpeft.peft.LoraConfig} and {@link dev.mmpeft.peft.FullConfig}
 * (immutable, validated configurations), {@link dev.mmpeft.peft.PeftModel} (an adapted model that
 * shares the frozen base weights, trains only its adapters and saves them in the Hugging Face PEFT
 * layout).
 *
 * <p>Semantics follow Hugging Face PEFT's LoRA exactly (target matching, scaling, initialisation,
 * the adapter file format), so an adapter trained here loads in Python and one trained there loads
 * here. The block surgery lives in {@code dev.mmpeft.peft.internal}.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.peft;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
