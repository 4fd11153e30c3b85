package dev.mmpeft.peft;

import dev.mmpeft.peft.internal.AdapterPlan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Builds {@link ParameterReport}s from adapter plans (structure only). */
final class Reports {
    private Reports() {}

    static ParameterReport of(long baseCount, List<AdapterPlan> adapters, @Nullable AdapterPlan trainable) {
        long total = baseCount;
        for (AdapterPlan p : adapters) {
            total += p.loraParameterCount() + p.copiedParameterCount();
        }
        ImmutableParameterReport.Builder b = ParameterReport.builder().total(total);
        long trainableCount = 0;
        if (trainable != null) {
            Map<String, long[]> rows = new LinkedHashMap<>();
            Map<String, String> method = new LinkedHashMap<>();
            for (AdapterPlan.LoraModule m : trainable.loraModules().values()) {
                String part = m.component.map(Enum::name).orElse("other");
                long[] r = rows.computeIfAbsent("lora:" + part, k -> new long[2]);
                r[0] += m.loraBias ? 3 : 2;
                r[1] += m.parameterCount();
                method.put("lora:" + part, "lora");
            }
            for (AdapterPlan.FullParameter f : trainable.fullParameters().values()) {
                if (!f.trains()) {
                    continue;
                }
                String key = f.method + ":" + f.part;
                long[] r = rows.computeIfAbsent(key, k -> new long[2]);
                r[0] += 1;
                r[1] += f.shape.size();
                method.put(key, f.method);
            }
            for (Map.Entry<String, long[]> e : rows.entrySet()) {
                String part = e.getKey().substring(e.getKey().indexOf(':') + 1);
                b.addRows(ParameterReport.Row.builder()
                        .part(part)
                        .method(method.get(e.getKey()))
                        .tensors((int) e.getValue()[0])
                        .trainable(e.getValue()[1])
                        .build());
                trainableCount += e.getValue()[1];
            }
        }
        return b.trainable(trainableCount).build();
    }
}
