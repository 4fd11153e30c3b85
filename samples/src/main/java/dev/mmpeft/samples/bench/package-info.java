/**
 * The training benchmark behind {@code ./mmpeft bench}: the "bench" InstructBLIP-FlanT5 on
 * synthetic inputs, LoRA or full fine-tuning through the SDK's trainer, timed against a fp32
 * matmul measured in the same run, with an analytic FLOP count of the model.
 */
@NullMarked
package dev.mmpeft.samples.bench;

import org.jspecify.annotations.NullMarked;
