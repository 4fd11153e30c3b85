package dev.mmpeft.peft.spi;

import java.util.Map;

/**
 * The parameters an attached adapter holds: adapter-file key to the parameter's name in the
 * adapted model ({@code base_model.model.q.lora_A.weight} to {@code q.lora_A.default.weight}).
 * Names, not {@code Parameter} objects: replacing an array replaces its parameter object.
 */
public record Attachment(Map<String, String> parameters) {
    public Attachment {
        parameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
    }
}
