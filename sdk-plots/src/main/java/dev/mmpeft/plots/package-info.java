/**
 * PNG charts, the only place the SDK uses JFreeChart: the training loss curve (the trainer's
 * {@code loss-plot} listener) and the evaluation charts (accuracy per group, zero-shot against
 * fine-tuned, accuracy against trainable parameters). Kept apart so that a service embedding the
 * SDK carries no chart library unless it asks for one; charts are rendered into images, so the
 * host JVM's AWT mode is never changed.
 */
@NullMarked
package dev.mmpeft.plots;

import org.jspecify.annotations.NullMarked;
