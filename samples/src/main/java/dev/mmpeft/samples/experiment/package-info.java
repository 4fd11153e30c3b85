/**
 * The papers' experiment as building blocks: task data in an official layout, candidate-scoring
 * evaluation, and one fine-tuning run (zero-shot, LoRA on chosen components, full Q-Former) with
 * its reports. The quickstart and the sweep are made of these.
 */
@NullMarked
package dev.mmpeft.samples.experiment;

import org.jspecify.annotations.NullMarked;
