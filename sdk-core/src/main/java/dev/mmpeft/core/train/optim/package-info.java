/**
 * Optimizers written over NDArrays with exactly PyTorch's update rules ({@link
 * dev.mmpeft.core.train.optim.AdamW}, {@link dev.mmpeft.core.train.optim.Sgd}), parameter groups
 * for weight decay as LAVIS builds them, and clipping by global norm. DJL's own optimizers have no
 * parameter groups and no state that can be saved for a resume, hence these.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.core.train.optim;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
