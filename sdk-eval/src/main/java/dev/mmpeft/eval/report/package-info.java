/**
 * Reports of evaluation results: JSON for machines, Markdown and CSV for people and spreadsheets,
 * PNG charts (JFreeChart, drawn headless) of accuracy per group, of several runs as the papers'
 * Table 1 (component x rank) and Figure 5 (accuracy against trainable parameters), and of a
 * zero-shot against a fine-tuned result. Every file is written atomically.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.eval.report;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
