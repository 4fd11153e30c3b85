/**
 * Training: {@link dev.mmpeft.core.train.TrainableModel} (what the trainer fits) and the trainer
 * itself with its optimizers, schedules, checkpoints and listeners.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.core.train;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
