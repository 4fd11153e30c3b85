/**
 * InstructBLIP's image encoder (transformers' {@code InstructBlipVisionModel}) as DJL blocks whose
 * parameters carry the Hugging Face names below {@code vision_model.}.
 */
@NullMarked
package dev.mmpeft.models.vision;

import org.jspecify.annotations.NullMarked;
