/**
 * LLaMA-Adapter's adaption prompts ({@code peft_type} {@code ADAPTION_PROMPT}) exactly as Hugging
 * Face PEFT's {@code AdaptedAttention} computes them, on the top {@code adapter_layers} LLaMA
 * self-attention modules ({@code target_modules} {@code self_attn}): a learned prompt
 * {@code adaption_prompt [1, adapter_len, hidden]} (N(0, 1)) whose keys and values come from the
 * layer's own {@code k_proj}/{@code v_proj} (no rotary), attended by the layer's rotated queries
 * without a mask, softmax over the prompt, times the zero-initialised {@code adaption_gate [1]},
 * projected by the layer's {@code o_proj} and added to the attention output. Zero gate: the model
 * is unchanged. Files: {@code base_model.model.<layer>.self_attn.adaption_prompt} and
 * {@code .adaption_gate}; LLaMA-family language models only.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.peft.adaptionprompt;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
