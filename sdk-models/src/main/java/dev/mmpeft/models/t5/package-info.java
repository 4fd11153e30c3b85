/**
 * The T5 family (T5, T5 v1.1, Flan-T5) as transformers' {@code T5ForConditionalGeneration}, under
 * its Hugging Face tensor names: {@link dev.mmpeft.models.t5.T5Model} with relative position
 * buckets, T5's RMS layer norm, unscaled attention, ReLU or gated-GELU feed-forwards and a tied or
 * untied head.
 */
@NullMarked
package dev.mmpeft.models.t5;

import org.jspecify.annotations.NullMarked;
