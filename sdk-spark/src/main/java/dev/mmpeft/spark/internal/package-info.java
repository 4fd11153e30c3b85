/**
 * The executor side of sdk-spark: the per-JVM model cache, the task functions Spark ships to
 * executors, the rows they exchange, and the two shared-folder implementations. Not an API: its
 * types may change with any release.
 */
@NullMarked
package dev.mmpeft.spark.internal;

import org.jspecify.annotations.NullMarked;
