/**
 * The quickstart (the README's main job) and the embedded models it runs on: one small model per
 * family (InstructBLIP-FlanT5, the default; LLaVA; LaVIN) that the project pre-trains on its
 * synthetic data ({@link dev.mmpeft.samples.quickstart.EmbeddedFamily}), packaged with the samples
 * and named by {@code --model embedded[:NAME]} ({@link dev.mmpeft.samples.quickstart.EmbeddedModels}).
 */
@NullMarked
package dev.mmpeft.samples.quickstart;

import org.jspecify.annotations.NullMarked;
