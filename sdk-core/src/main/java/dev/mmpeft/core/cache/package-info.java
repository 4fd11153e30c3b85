/**
 * Reuse of frozen computation: {@link dev.mmpeft.core.cache.FeatureCache} keeps the outputs of a
 * frozen, deterministic model prefix (the vision encoder's features per image) in memory and in
 * safetensors shards on disk, so later epochs and other sweep cells read them instead of
 * recomputing them.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.core.cache;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
