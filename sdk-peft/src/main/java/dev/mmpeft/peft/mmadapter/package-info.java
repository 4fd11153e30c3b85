/**
 * LaVIN's Mixture-of-Modality Adapter (Luo et al. 2023, released code {@code lavin/mm_adapter.py}),
 * {@code peft_type} {@value dev.mmpeft.peft.mmadapter.MmAdapterConfig#PEFT_TYPE}: two RepAdapters
 * that share their down-projection, mixed by a router, placed on the normalised input before a
 * residual sub-layer ({@link dev.mmpeft.models.nn.SublayerBlock#adaptInput}) — by default before
 * self-attention in every LLaMA layer and every CLIP layer, as LaVIN's released configuration
 * ({@code adapter_type attn}, {@code visual_adapter_type router}) has them.
 *
 * <p>With {@code x} the normalised input of width {@code d}, {@code k = adapter_dim} (8),
 * {@code G = groups} (2), {@code s = adapter_scale} (1) and {@code tau = temperature}:
 * <pre>
 *   h        = dropout(conv_A x)                       conv_A: d -> k, Xavier-uniform, bias 0; dropout 0.1 (training)
 *   (w0, w1) = softmax(expert_weights(t) / tau)        expert_weights: d -> 2
 *   out      = x + s w0 conv_B(h) + s w1 conv_D(h)      conv_B, conv_D: k -> d in G groups, zero-initialised
 * </pre>
 * so a fresh adapter leaves the model's outputs unchanged. What the router reads ({@code t}):
 * <ul>
 *   <li>in a LLaMA whose position 0 is an isolated modality token (the LaVIN family,
 *       {@code LlamaTransformer.isolateLeadingPositions}): that token's normalised input at the same
 *       layer, one weight pair per row, as LaVIN's {@code x[:, 0]} on its batch-first LLaMA; in
 *       incremental decoding the pair of the prompt's pass is kept (LaVIN's {@code cache_weights});
 *   <li>everywhere else (the CLIP image encoder, models without a modality token): each position's
 *       own input, one pair per token. Decision: LaVIN's released code applies the same
 *       {@code x[:, 0]} to the ViT's sequence-first {@code [length, batch, width]} layout, so it
 *       routes every position of every image by the first image's token at that position. That
 *       equals our per-token routing for a batch of one and for the first row, but makes a row's
 *       output depend on the other rows; we route each token by itself, so rows never interact
 *       (a mixed text/image batch gives every row the loss it has alone).
 * </ul>
 * The method also trains, in full, the modality embedding the routers read
 * ({@code adapter_modality_embedding.weight}) and, unless {@code train_connector} is false, the
 * connector (LaVIN's visual adapter {@code adapter_proj}): LaVIN's trainable set is every tensor
 * whose name contains {@code adapter}. On LaVIN-7B (CLIP ViT-L/14 + LLaMA-7B) that is 32 x 81,930 +
 * 24 x 20,490 + 659,584 + 8,192 = 3,781,296 parameters (LaVIN: 3.8M); on LaVIN-13B 40 x 102,410 +
 * 491,760 + 791,680 + 10,240 = 5,390,080 (5.4M).
 *
 * <p>Files (PEFT has no such method, so this SDK's own {@code peft_type}):
 * {@code adapter_config.json} holds {@code adapter_dim}, {@code temperature}, {@code adapter_scale},
 * {@code adapter_dropout}, {@code groups}, {@code train_connector}, PEFT's targeting keys
 * ({@code target_modules}: the exact sub-layer modules), {@code modules_to_save},
 * {@code base_model_name_or_path}, {@code revision}, {@code task_type}, {@code inference_mode};
 * {@code adapter_model.safetensors} holds, per sub-layer, LaVIN's tensors under
 * {@code base_model.model.<sub-layer>.mm_adapter.}: {@code conv_A.weight [k, d]},
 * {@code conv_A.bias [k]}, {@code conv_B.weight [d, k/G]}, {@code conv_B.bias [d]},
 * {@code conv_D.weight [d, k/G]}, {@code conv_D.bias [d]}, {@code expert_weights.weight [2, d]},
 * {@code expert_weights.bias [2]} (LaVIN's 1x1-convolution weights {@code [out, in, 1]} without
 * their last axis), plus the fully trained tensors under {@code base_model.model.<name>}. They
 * cannot be merged: the mixing weights depend on the input.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.peft.mmadapter;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
