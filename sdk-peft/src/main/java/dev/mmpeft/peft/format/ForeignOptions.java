package dev.mmpeft.peft.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.peft.PeftException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Options that belong to one method's {@code adapter_config.json}, so that a reader can refuse an
 * option of another method ({@code r} in a prefix-tuning file, {@code num_virtual_tokens} in a
 * bottleneck one) instead of silently ignoring what the author meant.
 */
public final class ForeignOptions {
    /** Option key to the {@code peft_type} it belongs to. */
    private static final Map<String, String> OWNER = owners();

    private ForeignOptions() {}

    private static Map<String, String> owners() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : new String[] {"r", "lora_alpha", "lora_dropout", "use_rslora", "use_dora", "rank_pattern", "alpha_pattern",
                "init_lora_weights", "lora_bias"}) {
            m.put(k, "LORA");
        }
        m.put("feedforward_modules", "IA3");
        m.put("init_ia3_weights", "IA3");
        for (String k : new String[] {"bottleneck_size", "reduction_factor", "placement", "non_linearity", "adapter_dropout"}) {
            m.put(k, "MMPEFT_BOTTLENECK_ADAPTER");
        }
        for (String k : new String[] {"num_virtual_tokens", "token_dim", "num_transformer_submodules", "encoder_hidden_size",
                "prefix_projection"}) {
            m.put(k, "PREFIX_TUNING");
        }
        for (String k : new String[] {"adapter_dim", "temperature", "adapter_scale", "groups", "train_connector"}) {
            m.put(k, "MMPEFT_MM_ADAPTER");
        }
        m.put("adapter_len", "ADAPTION_PROMPT");
        for (String k : new String[] {"mode_approximation", "gamma_residual", "gamma_init_std", "aim_experts", "aim_instructions", "sib",
                "sib_eta", "sib_weight"}) {
            m.put(k, "MMPEFT_DMA");
        }
        m.put("adapter_layers", "ADAPTION_PROMPT");
        return m;
    }

    /**
     * Refuses a non-null value for an option of another method.
     *
     * @param own the keys the reading method takes (they win over the table)
     * @throws PeftException naming the file, the option, its value, its method and the file's type
     */
    public static void refuse(JsonNode root, String source, String peftType, Set<String> own) {
        for (Map.Entry<String, String> e : OWNER.entrySet()) {
            JsonNode v = root.get(e.getKey());
            if (v != null && !v.isNull() && !own.contains(e.getKey()) && !e.getValue().equals(peftType)) {
                throw new PeftException(source + ": " + e.getKey() + " = " + v + " is an option of " + e.getValue()
                        + " adapters, not of " + peftType + " (peft_type); remove it or change peft_type");
            }
        }
    }
}
