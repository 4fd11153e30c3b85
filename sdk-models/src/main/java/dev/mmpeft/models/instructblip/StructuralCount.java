package dev.mmpeft.models.instructblip;

import com.google.common.collect.ImmutableMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parameter counts of an InstructBLIP model per top-level part ({@code vision_model},
 * {@code query_tokens}, {@code qformer}, {@code language_projection}, {@code language_model}),
 * computed from declared shapes alone: no array is allocated, so a 4-billion-parameter config is
 * counted instantly. Tied weights count once, as transformers' {@code num_parameters()} does.
 */
public final class StructuralCount {
    private final ImmutableMap<String, Long> parts;

    StructuralCount(Map<String, Long> parts) {
        this.parts = ImmutableMap.copyOf(parts);
    }

    /** Count per part, in model order. */
    public Map<String, Long> parts() {
        return parts;
    }

    /** The count of one part. */
    public long part(String name) {
        Long n = parts.get(name);
        if (n == null) {
            throw new IllegalArgumentException("no part '" + name + "'; parts are " + parts.keySet());
        }
        return n;
    }

    /** Sum over all parts. */
    public long total() {
        return parts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** One line per part and a total line, counts with thousands separators. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        int width = Math.max(5, parts.keySet().stream().mapToInt(String::length).max().orElse(5));
        for (Map.Entry<String, Long> e : parts.entrySet()) {
            sb.append(String.format(Locale.ROOT, "%-" + width + "s  %,18d%n", e.getKey(), e.getValue()));
        }
        sb.append(String.format(Locale.ROOT, "%-" + width + "s  %,18d%n", "total", total()));
        return sb.toString();
    }

    @Override
    public String toString() {
        return table();
    }
}
