package dev.mmpeft.peft.spi;

import ai.djl.ndarray.types.Shape;

/**
 * One tensor an adapter holds: its shape and the part of the model it belongs to (a component
 * name such as {@code QFORMER_CROSS_ATTN}, or {@code other}), for the per-component report.
 */
public record PlannedTensor(Shape shape, String part) {}
