/**
 * The {@code ./mmpeft} command line (picocli): inspect, forward, generate, train, evaluate, sweep,
 * merge, quickstart and the other commands users run from a shell.
 */
@NullMarked
package dev.mmpeft.samples.cli;

import org.jspecify.annotations.NullMarked;
