/**
 * A deterministic synthetic dataset of coloured shapes (Java2D images, multiple-choice questions
 * with distractors, balanced answers) written in the official ScienceQA, IconQA and JSONL
 * layouts, so tests, the quickstart and benchmarks run the real readers on real files without a
 * download. A {@link dev.mmpeft.datasets.synthetic.Variant#SHIFTED shifted} variant asks a
 * question family a model trained on the base variant has never seen, for fine-tuning tests
 * that must go from chance to high accuracy.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.datasets.synthetic;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
