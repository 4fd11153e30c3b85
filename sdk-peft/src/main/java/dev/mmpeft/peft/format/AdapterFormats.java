package dev.mmpeft.peft.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.peft.PeftConfig;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.spi.PeftMethod;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * One place that maps a {@code peft_type} to the method that reads and writes it: every
 * {@link PeftMethod} registered in {@code META-INF/services/dev.mmpeft.peft.spi.PeftMethod}.
 */
public final class AdapterFormats {
    private static final Map<String, PeftMethod<?>> METHODS = load();

    private AdapterFormats() {}

    private static Map<String, PeftMethod<?>> load() {
        Map<String, PeftMethod<?>> out = new LinkedHashMap<>();
        for (PeftMethod<?> m : ServiceLoader.load(PeftMethod.class, AdapterFormats.class.getClassLoader())) {
            PeftMethod<?> before = out.putIfAbsent(m.peftType(), m);
            if (before != null) {
                throw new IllegalStateException("two PEFT methods claim peft_type " + m.peftType() + ": "
                        + before.getClass().getName() + " and " + m.getClass().getName());
            }
        }
        return out;
    }

    /** The {@code peft_type}s this SDK reads and writes. */
    public static Set<String> peftTypes() {
        return METHODS.keySet();
    }

    /** The method of a {@code peft_type}; {@code source} names the file in the error. */
    public static PeftMethod<?> method(String peftType, String source) {
        PeftMethod<?> m = METHODS.get(peftType);
        if (m == null) {
            throw new PeftException(source + ": peft_type is '" + peftType + "'; this SDK reads " + String.join(", ", METHODS.keySet()));
        }
        return m;
    }

    /** The method a configuration belongs to. */
    @SuppressWarnings("unchecked")
    public static <C extends PeftConfig> PeftMethod<C> method(C config) {
        PeftMethod<?> m = method(config.peftType(), config.getClass().getSimpleName());
        if (!m.configType().isInstance(config)) {
            throw new IllegalStateException(m.getClass().getName() + " takes " + m.configType().getName() + ", not " + config.getClass().getName());
        }
        return (PeftMethod<C>) m;
    }

    /**
     * Reads an {@code adapter_config.json}: its {@code peft_type} (PEFT's {@code LORA} when absent)
     * picks the method that reads the rest.
     *
     * @param source names the file in error messages
     */
    public static PeftConfig readConfig(JsonNode root, String source) {
        if (!root.isObject()) {
            throw new PeftException(source + ": adapter config must be a JSON object");
        }
        String type = ConfigJson.text(root, "peft_type", source).orElse("LORA");
        return method(type, source).readConfig(root, source);
    }

    /**
     * Reads an {@code adapter_config.json} that must be one of Hugging Face PEFT's own types (for
     * tools that hand adapters to Python PEFT): a {@code peft_type} this SDK defines itself
     * ({@code MMPEFT_BOTTLENECK_ADAPTER}) is refused, naming the file and the type.
     */
    public static PeftConfig readPeftConfig(JsonNode root, String source) {
        if (!root.isObject()) {
            throw new PeftException(source + ": adapter config must be a JSON object");
        }
        String type = ConfigJson.text(root, "peft_type", source).orElse("LORA");
        PeftMethod<?> m = method(type, source);
        if (!m.isPeftType()) {
            throw new PeftException(source + ": peft_type is '" + type + "', an mmpeft format that Hugging Face PEFT does not read;"
                    + " expected one of PEFT's types: " + String.join(", ", peftOnlyTypes()));
        }
        return m.readConfig(root, source);
    }

    /** The {@code peft_type}s that are Hugging Face PEFT's own. */
    public static java.util.List<String> peftOnlyTypes() {
        java.util.List<String> out = new java.util.ArrayList<>();
        METHODS.forEach((t, m) -> {
            if (m.isPeftType()) {
                out.add(t);
            }
        });
        return out;
    }

    /** The {@code adapter_config.json} content of a resolved configuration. */
    public static <C extends PeftConfig> ObjectNode writeConfig(C resolved) {
        return method(resolved).writeConfig(resolved);
    }
}
