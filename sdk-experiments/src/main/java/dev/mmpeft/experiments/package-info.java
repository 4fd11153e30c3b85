/**
 * The papers' experiments as SDK calls: a fine-tuning {@link dev.mmpeft.experiments.FineTuning}
 * setting (an adaptation method, its size and the training recipe), the data of a task in an
 * official layout ({@link dev.mmpeft.experiments.TaskData}), one zero-shot / fine-tune / evaluate
 * run with its reports, adapter and plots ({@link dev.mmpeft.experiments.Experiment}), and the
 * component x rank grid as resumable runs with its table and scatter ({@link
 * dev.mmpeft.experiments.Sweep}). The quickstart, the sweep command and user projects are made of
 * these.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.experiments;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
