/** Test helpers (in the sdk-models test-jar): tiny InstructBLIP configs, tokenizers and checkpoints. */
@NullMarked
package dev.mmpeft.models.instructblip.testing;

import org.jspecify.annotations.NullMarked;
