/**
 * Prompt templates: how a {@link dev.mmpeft.core.MultimodalExample} becomes the texts an
 * InstructBLIP model reads ({@link dev.mmpeft.core.Prompt}: the Q-Former instruction, the LLM
 * input, the target and one candidate per option), with the papers' ScienceQA and IconQA
 * templates built in and user templates parsed from strings with named placeholders.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.datasets.prompt;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
