/**
 * Engine-level helpers of the trainer (autograd on the PyTorch engine, per-thread grad mode,
 * model replicas for data parallelism, resume checkpoints, data order, memory readings). Not part of the public API: it may change without notice.
 */
@NullMarked
package dev.mmpeft.core.train.internal;

import org.jspecify.annotations.NullMarked;
