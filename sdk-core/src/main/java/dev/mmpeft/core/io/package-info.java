/**
 * File IO every module needs: atomic writes ({@link dev.mmpeft.core.io.AtomicFiles}) and the
 * SDK's strict JSON settings ({@link dev.mmpeft.core.io.Json}).
 */
@NullMarked
package dev.mmpeft.core.io;

import org.jspecify.annotations.NullMarked;
