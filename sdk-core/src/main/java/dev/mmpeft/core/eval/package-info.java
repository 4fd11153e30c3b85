/**
 * The evaluation vocabulary every module shares: {@link dev.mmpeft.core.eval.Evaluator},
 * {@link dev.mmpeft.core.eval.Prediction} and {@link dev.mmpeft.core.eval.EvaluationResult}. The
 * metrics themselves live in sdk-eval.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.core.eval;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
