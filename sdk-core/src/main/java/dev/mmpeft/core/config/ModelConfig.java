package dev.mmpeft.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A typed Hugging Face model configuration. Every implementation reads {@code config.json} with
 * transformers' defaults for absent fields and writes back the same field names.
 */
public interface ModelConfig {
    /** The Hugging Face {@code model_type}. */
    String modelType();

    /** The config as Hugging Face writes it ({@code config.json}). */
    ObjectNode toJson();
}
