/**
 * The LLaMA family (LLaMA, Llama 2, Vicuna) as transformers' {@code LlamaForCausalLM}, under its
 * Hugging Face tensor names: {@link dev.mmpeft.models.llama.LlamaModel} with RMSNorm, rotary
 * embeddings ({@code rope_theta}, {@code rotate_half}), grouped-query attention, a SiLU-gated MLP
 * and a tied or untied head; plus {@link dev.mmpeft.models.llama.Llama2cVocabulary} for
 * llama2.c's {@code tokenizer.bin} format.
 */
@NullMarked
package dev.mmpeft.models.llama;

import org.jspecify.annotations.NullMarked;
