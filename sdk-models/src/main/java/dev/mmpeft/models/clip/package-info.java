/**
 * The CLIP vision tower (transformers' {@code CLIPVisionModel}, the image encoder of LLaVA-style
 * models) as DJL blocks whose parameters carry the Hugging Face names below
 * {@code vision_model.}, and CLIP's image preprocessing ({@link dev.mmpeft.models.clip.ClipImageProcessor}).
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.models.clip;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
