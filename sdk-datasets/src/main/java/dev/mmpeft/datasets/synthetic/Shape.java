package dev.mmpeft.datasets.synthetic;

/**
 * One shape of a scene, in coordinates relative to the image (0..1), so the same scene renders
 * at any image size.
 *
 * @param kind what is drawn
 * @param color its fill
 * @param cx centre, 0 (left) to 1 (right)
 * @param cy centre, 0 (top) to 1 (bottom)
 * @param size width and height, as a fraction of the image side
 */
public record Shape(ShapeKind kind, ShapeColor color, double cx, double cy, double size) {}
