/**
 * Bottleneck adapters (Houlsby et al. 2019; Pfeiffer et al. 2020), {@code peft_type}
 * {@value dev.mmpeft.peft.bottleneck.BottleneckConfig#PEFT_TYPE}: a down-projection, a
 * non-linearity and a zero-initialised up-projection placed where an attention or feed-forward
 * sub-layer joins the residual stream ({@link dev.mmpeft.models.nn.SublayerBlock}), computed as
 * AdapterHub's {@code adapters} library computes them.
 *
 * <p>Placement and residual, with {@code f} the sub-layer's output (after its dropout), {@code x}
 * the sub-layer's input and {@code A(z) = dropout(scaling * up(act(down(z))))}:
 * <ul>
 *   <li>{@link dev.mmpeft.peft.bottleneck.AdapterPlacement#HOULSBY} (AdapterHub's
 *       {@code DoubleSeqBnConfig}): after self-attention and after the feed-forward,
 *       {@code x + (f + A(f))} in pre-norm layers (T5, LLaMA) and {@code LN(f + A(f) + x)} in
 *       post-norm ones (the Q-Former); default non-linearity {@code swish}.
 *   <li>{@link dev.mmpeft.peft.bottleneck.AdapterPlacement#PFEIFFER} (AdapterHub's
 *       {@code SeqBnConfig}, the default): after the feed-forward only, the adapter reading the
 *       residual sum: {@code h = x + f} (or {@code LN(f + x)}), then {@code (A(h) + f) + x} (or
 *       {@code LN(A(h) + f + x)}); default non-linearity {@code relu}.
 * </ul>
 * The size is {@code bottleneck_size}, or {@code floor(width / reduction_factor)} (at least 1) per
 * sub-layer, exactly one of the two. Initialisation is AdapterHub's {@code mam_adapter} by default
 * (down-projection Kaiming-uniform, up-projection and both biases zero: the model is unchanged at
 * step 0) or {@code bert} (weights N(0, 0.02), biases zero).
 *
 * <p>There is no PEFT format for these adapters: they use the same two files with this SDK's own
 * {@code peft_type} {@value dev.mmpeft.peft.bottleneck.BottleneckConfig#PEFT_TYPE}.
 * {@code adapter_config.json} holds {@code bottleneck_size} or {@code reduction_factor},
 * {@code placement} ({@code houlsby} | {@code pfeiffer}), {@code non_linearity}, {@code scaling},
 * {@code adapter_dropout}, {@code init_weights}, PEFT's targeting keys ({@code target_modules}
 * resolved to the exact sub-layer modules), {@code modules_to_save}, {@code base_model_name_or_path},
 * {@code revision}, {@code task_type}, {@code inference_mode}. {@code adapter_model.safetensors}
 * holds {@code base_model.model.<sub-layer>.adapter_down.weight} {@code [s, width]},
 * {@code .adapter_down.bias} {@code [s]}, {@code .adapter_up.weight} {@code [width, s]},
 * {@code .adapter_up.bias} {@code [width]}. A reader asked for PEFT's own types only
 * ({@code AdapterFormats.readPeftConfig}) refuses it.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.peft.bottleneck;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
