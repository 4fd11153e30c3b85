/**
 * Safetensors reading and writing as Hugging Face checkpoints need it: memory-mapped, 64-bit
 * offsets, sharded checkpoints, BF16 widened to F32, strict validation with typed errors, and
 * atomic, 8-byte-aligned writes. Start at {@link dev.mmpeft.core.safetensors.Checkpoint}.
 */
@NullMarked
package dev.mmpeft.core.safetensors;

import org.jspecify.annotations.NullMarked;
