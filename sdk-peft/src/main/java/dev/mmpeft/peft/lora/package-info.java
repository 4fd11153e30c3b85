/**
 * LoRA ({@code peft_type} {@code LORA}) exactly as Hugging Face PEFT computes, initialises and saves
 * it: {@link dev.mmpeft.peft.lora.LoraConfig} (the value and its one builder), its layer on a
 * {@link dev.mmpeft.models.nn.Linear}, its plan and its {@code adapter_config.json} mapping.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.peft.lora;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
