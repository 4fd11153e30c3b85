/**
 * LLaVA-style models (transformers' {@code LlavaForConditionalGeneration}, {@code model_type: "llava"}):
 * a CLIP vision tower, the {@code multi_modal_projector} connector and a LLaMA/Vicuna language
 * model, loaded from Hugging Face checkpoints of either tensor layout, with LLaVA-1.5's processor.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.models.llava;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
