/**
 * The quickstart (the README's main job) and the embedded default model it runs on: a small
 * InstructBLIP-FlanT5 the project pre-trains on its synthetic data, packaged with the samples.
 */
@NullMarked
package dev.mmpeft.samples.quickstart;

import org.jspecify.annotations.NullMarked;
