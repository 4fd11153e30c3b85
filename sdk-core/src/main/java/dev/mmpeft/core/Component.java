package dev.mmpeft.core;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The parts of an InstructBLIP-style model that a PEFT method can target, in the papers'
 * vocabulary (LoRA on the Q-Former's self-attention, cross-attention or FFN; on the LLM's
 * attention or FFN).
 *
 * <p>Each model family maps a component to its own Hugging Face module names (for example
 * {@code LLM_ATTN} is T5's {@code q}/{@code v} but LLaMA's {@code q_proj}/{@code v_proj}); this
 * enum is only the shared name, so a user's choice reads the same whatever the backbone. The
 * composite values ({@code QFORMER_ALL}, {@code LLM_ALL}, {@code VISION_ALL}) expand to their parts
 * through {@link #parts()}.
 */
public enum Component {
    /** Q-Former self-attention: {@code qformer.encoder.layer.N.attention.attention.{query,value}}. */
    QFORMER_SELF_ATTN,
    /**
     * Q-Former cross-attention on the layers that have it:
     * {@code crossattention.attention.{query,key,value}} and {@code crossattention.output.dense}.
     */
    QFORMER_CROSS_ATTN,
    /**
     * Q-Former feed-forward: {@code intermediate.dense}, {@code output.dense},
     * {@code intermediate_query.dense}, {@code output_query.dense}.
     */
    QFORMER_FFN,
    /** All three Q-Former parts together. */
    QFORMER_ALL,
    /**
     * LLM attention: T5 {@code q}, {@code v} of encoder and decoder self-attention and decoder
     * cross-attention; LLaMA {@code q_proj}, {@code v_proj}.
     */
    LLM_ATTN,
    /** LLM feed-forward: T5 {@code wi_0}, {@code wi_1}, {@code wo}; LLaMA gate, up and down projections. */
    LLM_FFN,
    /** LLM attention and feed-forward together. */
    LLM_ALL,
    /**
     * Vision encoder attention: InstructBLIP's {@code self_attn.qkv}, {@code self_attn.projection};
     * CLIP's (LLaVA) {@code self_attn.{q,k,v,out}_proj}. Frozen by default.
     */
    VISION_ATTN,
    /** Vision encoder MLP ({@code mlp.fc1}, {@code mlp.fc2}); frozen by default. */
    VISION_MLP,
    /** The whole vision encoder; frozen by default. */
    VISION_ALL,
    /** The learned query tokens fed to the Q-Former ({@code query_tokens}). */
    QUERY_TOKENS,
    /**
     * The connector from the vision side to the LLM's input space: InstructBLIP's
     * {@code language_projection}, LLaVA's {@code multi_modal_projector}. {@link #parse} also
     * accepts {@code connector} for it.
     */
    LANGUAGE_PROJECTION;

    /**
     * The elementary components this one stands for: itself for an elementary component, its
     * parts for a composite one.
     */
    public Set<Component> parts() {
        switch (this) {
            case QFORMER_ALL:
                return EnumSet.of(QFORMER_SELF_ATTN, QFORMER_CROSS_ATTN, QFORMER_FFN);
            case LLM_ALL:
                return EnumSet.of(LLM_ATTN, LLM_FFN);
            case VISION_ALL:
                return EnumSet.of(VISION_ATTN, VISION_MLP);
            default:
                return EnumSet.of(this);
        }
    }

    /** Whether this component stands for several others. */
    public boolean isComposite() {
        return parts().size() > 1 || !parts().contains(this);
    }

    /**
     * Parses a component name as users type it: case-insensitive, {@code -} or {@code _}
     * ({@code qformer-cross-attn}).
     *
     * @throws IllegalArgumentException naming the bad value and listing the valid ones
     */
    public static Component parse(String text) {
        String normalized = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        if (normalized.equals("CONNECTOR")) {
            // the empirical PEFT study's name for the vision-to-LLM module of any family
            return LANGUAGE_PROJECTION;
        }
        for (Component c : values()) {
            if (c.name().equals(normalized)) {
                return c;
            }
        }
        throw new IllegalArgumentException(
                "unknown component '"
                        + text
                        + "'; expected one of "
                        + EnumSet.allOf(Component.class).stream()
                                .map(Enum::name)
                                .collect(Collectors.joining(", "))
                        + " (or CONNECTOR for LANGUAGE_PROJECTION)");
    }
}
