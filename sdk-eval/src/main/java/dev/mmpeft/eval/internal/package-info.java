/**
 * Helpers of sdk-eval that are not API: Python string semantics used to reproduce the official
 * Python evaluation scripts exactly.
 */
@NullMarked
package dev.mmpeft.eval.internal;

import org.jspecify.annotations.NullMarked;
