/**
 * The SDK's long jobs as Apache Spark jobs: the papers' sweep with one task per grid cell
 * ({@link dev.mmpeft.spark.SparkSweep}), batch inference and evaluation over a partitioned dataset
 * ({@link dev.mmpeft.spark.SparkEvaluation}), and frozen-feature extraction into safetensors shards
 * keyed by image hash ({@link dev.mmpeft.spark.SparkFeatures}, read back by {@link
 * dev.mmpeft.spark.FrozenFeatures}). Outputs go to a {@link dev.mmpeft.spark.SharedFolder}: a local
 * path or any Hadoop filesystem URI that every executor can reach.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.spark;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
