/**
 * InstructBLIP and its language models as the SDK's users meet them: loading Hugging Face
 * checkpoints, processing images and text, forward passes with loss, generation and candidate
 * scoring. Model families live in sub-packages, each owning its Hugging Face names.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.models;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
