/**
 * InstructBLIP's Q-Former (transformers' {@code InstructBlipQFormerModel}) and the BERT-style layers
 * it is made of, as DJL blocks whose parameters carry the Hugging Face names below {@code qformer.}.
 * The same layer classes assemble a plain BERT encoder ({@code dev.mmpeft.models.bert}).
 */
@NullMarked
package dev.mmpeft.models.qformer;

import org.jspecify.annotations.NullMarked;
