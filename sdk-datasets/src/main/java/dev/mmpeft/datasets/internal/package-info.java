/**
 * The built-in readers behind the public surface: ScienceQA, IconQA and JSONL providers, the
 * byte-offset index that lets a large {@code problems.json} be read one record at a time, field
 * access with error messages that name file, record and field, and image path checks.
 */
@NullMarked
package dev.mmpeft.datasets.internal;

import org.jspecify.annotations.NullMarked;
