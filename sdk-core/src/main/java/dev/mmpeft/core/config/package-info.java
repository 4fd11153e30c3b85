/**
 * Hugging Face {@code config.json} as immutable typed values: {@link dev.mmpeft.core.config.InstructBlipConfig}
 * with its vision, Q-Former and text configs, and plain {@link dev.mmpeft.core.config.T5Config},
 * {@link dev.mmpeft.core.config.LlamaConfig}, {@link dev.mmpeft.core.config.BertConfig}. Read them with
 * {@link dev.mmpeft.core.config.Configs}; defaults are transformers' defaults.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.core.config;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
