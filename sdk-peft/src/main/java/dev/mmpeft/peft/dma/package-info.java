/**
 * PETAL ("When Parameter-efficient Tuning Meets General-purpose Vision-language Models", Zhai et
 * al.) as a PEFT method: dynamic mode approximation (DMA) on the Q-Former's attention, the adaptive
 * instruction mixture of experts (AIM) and the score-based information-bottleneck loss (SIB), each
 * switchable ({@link dev.mmpeft.peft.Peft#dma()}, {@code --method dma}).
 *
 * <h2>DMA, and the choices made where the slides are silent</h2>
 *
 * The slides write {@code H = Gamma W0 X + (sum_r lambda_r (u_r o v_r o p_r)) X}. We follow PETAL's
 * public code ({@code melonking32/PETAL}, {@code Qformer_PETAL_MOE.py} and
 * {@code blip2_t5_instruct_petal_moe.py} on LAVIS), which realises it as:
 * <ul>
 *   <li>Factors shared by every layer and projection of one modality: {@code U [R, in]} (PETAL's
 *       {@code CP_U}, nn.Linear init), {@code V [hidden, R]} ({@code CP_V}, <b>zero</b>: the model
 *       starts as the base model), and a core {@code C [R, R, R]} ({@code CP_C}, Xavier-uniform).
 *   <li>A mode vector {@code lambda [R]} per adapted projection ({@code q_CP}, {@code k_CP},
 *       {@code v_CP}, Xavier-uniform on {@code [R, 1]}), the weights over the third mode (the
 *       stacked-weight index): the projection's update is {@code V ((dropout(U x)) M)} with
 *       {@code M[i, j] = sum_k C[i, j, k] lambda[k]}, so {@code Delta W = V M^T U}. The dropout is the
 *       code's {@code self.dp} (0.1, training only).
 *   <li>"Dynamic" per modality m of {@code X^m}, as in the code: queries and instruction text (the
 *       self-attention q, k, v and the cross-attention q, {@code hidden_size} wide) go through one
 *       factor set, the image features (cross-attention k and v, {@code encoder_hidden_size} wide,
 *       1408 for EVA-CLIP-g) through a second ({@code CP_U_Image}, {@code CP_V_Image},
 *       {@code CP_C_Image}); each projection has its own lambda. Beyond that, the update depends on
 *       the instance through {@code U x}. We add no input-conditioned network for lambda: the code
 *       has none, and the "1 M" parameter budget of the slides has no room for one.
 *   <li>Gamma as in the code: each Q-Former layer adds {@code 0.1 (attn * scale + shift)} to its
 *       output, where {@code attn} is the layer's self-attention output ({@code CP_scaleself},
 *       {@code CP_shiftself}; the code's cross-attention pair is created but never added, so it is
 *       left out). The code draws scale and shift from N(0, 0.0002); we start them at zero
 *       ({@code gamma_init_std}, settable) so that the untrained adapter is exactly the base model.
 *   <li>Left out on purpose: the code's {@code All_Context} (the batch mean of the first query's
 *       output added to every example's cross-attention output), which makes one example's answer
 *       depend on the others in its batch and changes the model before any training.
 *   <li>Default target: every attention projection of the Q-Former (QFORMER_ALL: q, k, v of the
 *       self-attention of each layer and of the cross-attention of every second layer), rank 64.
 *       Components map to the q, k, v of their attention blocks (the output dense layers are not
 *       adapted, as in the code).
 * </ul>
 * On the real instructblip-flan-t5-xl config (12 layers, hidden 768, image width 1408, 6
 * cross-attention layers) at R = 64 this is
 * {@code (768R + 768R + R^3) + (1408R + 768R + R^3) + 54 R + 2 * 12 * 768 = 783,744} parameters.
 *
 * <h2>AIM</h2>
 *
 * The Q-Former runs once per expert instruction over the same image features (the vision encoder
 * runs once) and a learned gate merges the query outputs before the language projection
 * ({@link dev.mmpeft.models.instructblip.QueryFeatureHook}): {@code softmax_e(w . mean_q(F_e) + b_e)},
 * zero-initialised (equal weights at the start, as the code's fixed 0.33/0.33/0.34). The
 * instruction set is data: {@code aim-instructions.txt} in this package (the slides' "the question
 * itself", "What objects are in the picture?", "What is the relationship between the objects in the
 * picture?") or your own ({@link dev.mmpeft.peft.dma.DmaConfig#readInstructions}); an instruction is
 * plain text or exactly {@code {instruction}}, the example's own. Every expert shares the one DMA (the
 * code's mixture variant keeps a factor set per expert, tripling the parameters).
 *
 * <h2>SIB</h2>
 *
 * {@code L = lm_loss + w * (-(I(Z;Y) - eta I(Z;X)))} with each mutual information estimated from
 * scores, the products of L2-normalised features scaled by a learned temperature (CLIP's, from
 * 1/0.07): the InfoNCE bound {@code log n - CE} over the batch. Z: the projected query outputs
 * (averaged over queries); Y: the target (its tokens' embeddings, averaged); X: the instruction the
 * language model reads (its prompt tokens' embeddings, averaged). PETAL's research code estimates
 * the two terms with CLUB and MINE networks (one of them 32 x vocabulary wide, about 2M parameters
 * for T5's vocabulary) weighted by a learned scalar that starts at zero; we keep its objective
 * ({@code max I(Z;Y) - eta I(Z;X)}, eta 0.1 as its beta) and the slides' description ("the product of
 * normalised features and instructions") and drop the estimator networks. The term is logged as
 * {@code sib} beside the training loss.
 *
 * <h2>Files ({@code peft_type} {@value dev.mmpeft.peft.dma.DmaConfig#PEFT_TYPE})</h2>
 *
 * {@code adapter_config.json}: {@code rank}, {@code mode_approximation}, {@code dropout},
 * {@code gamma}, {@code gamma_residual}, {@code gamma_init_std}, {@code aim_experts},
 * {@code aim_instructions}, {@code sib}, {@code sib_eta}, {@code sib_weight}, {@code target_modules}
 * (the exact projection names), PEFT's common keys. {@code adapter_model.safetensors}:
 * {@code base_model.model.<stack>.dma_text.{U,V,C}}, {@code <stack>.dma_image.{U,V,C}},
 * {@code <stack>.dma_gamma.{scale,shift}} {@code [layers, hidden]},
 * {@code <projection>.dma_lambda} {@code [R]}, {@code aim_gate.weight} {@code [hidden]},
 * {@code aim_gate.bias} {@code [experts]}, {@code sib.logit_scale} {@code [1]}, where {@code <stack>}
 * is {@code qformer.encoder}.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.peft.dma;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
