/**
 * The papers' metrics, computed as the official scripts compute them: {@link
 * dev.mmpeft.eval.Evaluators} gives the built-in {@link dev.mmpeft.core.eval.Evaluator}s
 * (ScienceQA and IconQA breakdowns, multiple choice, VQA accuracy, exact match, captioning) and
 * any other registered through {@link dev.mmpeft.eval.EvaluatorProvider};
 * {@link dev.mmpeft.eval.Predictions} reads predictions made anywhere.
 */
@NullMarked
package dev.mmpeft.eval;

import org.jspecify.annotations.NullMarked;
