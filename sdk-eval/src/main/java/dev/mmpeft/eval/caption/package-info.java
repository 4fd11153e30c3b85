/**
 * Captioning metrics exactly as pycocoevalcap computes them: its PTB tokenisation
 * ({@link dev.mmpeft.eval.caption.PtbTokenizer}), corpus BLEU-1..4 with the closest reference
 * length, ROUGE-L (LCS F-measure, beta 1.2), ROUGE-1, and CIDEr-D (sigma 6, clipping, x10), all
 * reached through {@link dev.mmpeft.eval.caption.CaptionMetrics}.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.eval.caption;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
