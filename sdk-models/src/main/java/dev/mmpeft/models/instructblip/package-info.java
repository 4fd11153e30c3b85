/**
 * InstructBLIP as a whole (transformers' {@code InstructBlipForConditionalGeneration}): the vision
 * encoder, query tokens, Q-Former, language projection and language model composed under the
 * Hugging Face names; loading and saving HF directories; forward with loss; generation and
 * candidate scoring; the parameter names of each {@link dev.mmpeft.core.Component}; structural
 * parameter counts from a config alone.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.models.instructblip;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
