/**
 * Reports of evaluation results: JSON for machines, Markdown and CSV for people and spreadsheets,
 * of one result, of several runs as the papers' Table 1 (component x rank), and of a zero-shot
 * against a fine-tuned result. Every file is written atomically. The PNG charts of the same
 * values are in the optional sdk-plots module, so reports carry no chart library.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.eval.report;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
