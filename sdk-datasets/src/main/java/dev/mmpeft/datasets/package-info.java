/**
 * Datasets for multimodal fine-tuning: the {@link dev.mmpeft.datasets.DatasetReader} extension
 * point (found through {@link java.util.ServiceLoader} as {@link
 * dev.mmpeft.datasets.DatasetReaderProvider}), readers for the official ScienceQA and IconQA
 * layouts and for users' own JSONL, and deterministic shuffling and splitting.
 *
 * <p>Readers stream {@link dev.mmpeft.core.MultimodalExample}s with bounded memory and report
 * every record they could not use: a clear {@link dev.mmpeft.datasets.DatasetException} naming
 * the file, record and field, or, in lenient mode, a counted and logged skip.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.datasets;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
