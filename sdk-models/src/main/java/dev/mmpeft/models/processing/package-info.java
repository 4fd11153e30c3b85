/**
 * Turning images and texts into InstructBLIP's inputs exactly as transformers'
 * {@code InstructBlipProcessor} and the LAVIS training code do: the BLIP image processor (with
 * Pillow's resampling), Hugging Face tokenizers for the language model and the Q-Former, padding,
 * truncation, masks, and labels for each language-model family.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.models.processing;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
