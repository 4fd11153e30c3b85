/** End-to-end training acceptance tests: a model pre-trained by the test, then fine-tuned with LoRA through the Trainer. */
@NullMarked
package dev.mmpeft.samples.train;

import org.jspecify.annotations.NullMarked;
