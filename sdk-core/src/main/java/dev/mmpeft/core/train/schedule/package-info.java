/**
 * Learning-rate schedules as pure functions of the training position (step, epoch), so a resumed
 * run needs nothing but its position to continue the same curve: constant, linear decay per step
 * or per epoch, and LAVIS's linear warm-up followed by cosine or step decay.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.core.train.schedule;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
