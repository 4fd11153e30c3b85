/**
 * The adapter directory of every method: {@code adapter_config.json} + {@code adapter_model.safetensors}
 * in Hugging Face PEFT's layout. {@link dev.mmpeft.peft.format.AdapterFormats} maps each
 * {@code peft_type} to the method that reads and writes it (PEFT's own types and this SDK's);
 * {@link dev.mmpeft.peft.format.AdapterFiles} reads and writes the directory.
 */
@NullMarked
package dev.mmpeft.peft.format;

import org.jspecify.annotations.NullMarked;
