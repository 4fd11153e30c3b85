/**
 * (IA)³ ({@code peft_type} {@code IA3}) exactly as Hugging Face PEFT computes, initialises and saves
 * it: {@link dev.mmpeft.peft.ia3.Ia3Config} (the value and its one builder), learned scaling vectors
 * on chosen linear layers (attention layers scale their output, feed-forward layers their input),
 * its plan, its layer and its {@code adapter_config.json} mapping.
 *
 * <p>Why a package of its own: a method plugs into the SDK through {@link dev.mmpeft.peft.spi}
 * alone, so IA3 adds its config, layer and format entry here and touches nothing else.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.peft.ia3;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
