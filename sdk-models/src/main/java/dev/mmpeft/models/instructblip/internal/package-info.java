/**
 * Tensor math shared by the InstructBLIP vision encoder and Q-Former; not part of the public API.
 */
@NullMarked
package dev.mmpeft.models.instructblip.internal;

import org.jspecify.annotations.NullMarked;
