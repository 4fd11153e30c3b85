/**
 * LaVIN (Luo et al., "Cheap and Quick: Efficient Vision-Language Instruction Tuning for Large
 * Language Models", {@code model_type: "lavin"}): a CLIP vision tower whose [cls] tokens after every
 * fourth layer are the visual features, the visual adapter {@code adapter_proj} (1024 -> 128 -> d
 * with SiLU) and a LLaMA whose sequence starts with a learned modality token
 * ({@code adapter_modality_embedding}: text-only or image) that only LaVIN's MM-Adapter routers
 * read. The MM-Adapters themselves are a PEFT method ({@code dev.mmpeft.peft.mmadapter}).
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.models.lavin;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
