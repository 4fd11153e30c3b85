/**
 * Prefix tuning ({@code peft_type} {@code PREFIX_TUNING}) exactly as Hugging Face PEFT computes,
 * initialises and saves it: trained key/value prefixes of {@code num_virtual_tokens} positions for
 * every self-attention layer of the language model, handed to the model as transformers'
 * {@code past_key_values}.
 *
 * <p>Where they go, as PEFT's {@code get_prompt} and transformers place them:
 * <ul>
 *   <li>LLaMA ({@code CAUSAL_LM}, {@code num_transformer_submodules} 1): layer {@code i} takes
 *       rows {@code 2i} (keys) and {@code 2i+1} (values) of the {@code [num_virtual_tokens,
 *       2 * num_layers, heads, head_dim]} view; the attention mask gets {@code P} leading ones and
 *       the real tokens' positions start at {@code P} (transformers' {@code cache_position}).
 *   <li>T5 ({@code SEQ_2_SEQ_LM}, {@code num_transformer_submodules} 2): only the decoder's
 *       self-attention gets prefixes, since {@code T5ForConditionalGeneration} passes
 *       {@code past_key_values} to the decoder alone (the encoder never sees them) and PEFT
 *       replaces the cross-attention part of the cache with an empty one. PEFT duplicates the
 *       {@code 2L} rows to {@code 4L} and splits them in fours, so decoder layer {@code i} takes
 *       rows {@code 4i mod 2L} (keys) and {@code (4i+1) mod 2L} (values): reproduced as is.
 *       Decoder queries sit at relative positions {@code P ..} for T5's position bias.
 * </ul>
 *
 * <p>Files: {@code adapter_model.safetensors} holds one tensor, {@code prompt_embeddings}
 * {@code [num_virtual_tokens, num_layers * 2 * token_dim]} (no {@code base_model.model.} prefix,
 * as PEFT saves prompt-learning adapters). With {@code prefix_projection} (PEFT's
 * reparameterisation: an embedding {@code [P, token_dim]}, then {@code Linear(token_dim,
 * encoder_hidden_size)}, {@code tanh}, {@code Linear(encoder_hidden_size, 2 * num_layers *
 * token_dim)}) the MLP trains, and saving folds it into {@code prompt_embeddings}, as PEFT does;
 * a loaded file always holds plain prefixes (PEFT loads it with {@code inference_mode}).
 * {@code token_dim} and {@code num_attention_heads} are the key/value width and heads (PEFT's rule
 * for grouped-query models: {@code head_dim * num_key_value_heads}).
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.peft.prefix;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
