/**
 * Text generation and candidate scoring on any {@link dev.mmpeft.models.LanguageModel}, with
 * transformers' {@code generate} semantics: greedy decoding and beam search ({@code num_beams},
 * {@code length_penalty}, {@code early_stopping}, EOS handling), {@code min_new_tokens} and
 * {@code repetition_penalty}, a KV cache, batched prompts with padding; and LAVIS's ranking of
 * answer candidates by their token losses; {@link dev.mmpeft.models.generation.Predictor} turns an
 * InstructBLIP model and rendered prompts into the predictions evaluators score, by either.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.models.generation;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
