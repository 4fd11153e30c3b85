/**
 * What a training run tells the world while it runs: the {@link
 * dev.mmpeft.core.train.listener.TrainingListener} callbacks, their ServiceLoader SPI, and the
 * built-in listeners (console progress bar, JSONL/CSV metrics log, loss-curve PNG, SLF4J log).
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.core.train.listener;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
