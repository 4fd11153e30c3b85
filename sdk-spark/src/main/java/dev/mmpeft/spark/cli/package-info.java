/**
 * {@code spark-submit}-ready main classes of the self-contained application jar: the sweep, batch
 * evaluation and feature extraction with flags like the {@code ./mmpeft} commands.
 */
@NullMarked
package dev.mmpeft.spark.cli;

import org.jspecify.annotations.NullMarked;
