package dev.mmpeft.peft;

import dev.mmpeft.peft.internal.AdapterPlan;
import dev.mmpeft.peft.spi.FullTensor;
import dev.mmpeft.peft.spi.PlannedTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Builds {@link ParameterReport}s from adapter plans (structure only). */
final class Reports {
    private Reports() {}

    /** A row being summed: its method and its tensor and parameter counts. */
    private static final class Sum {
        final String method;
        int tensors;
        long parameters;

        Sum(String method) {
            this.method = method;
        }
    }

    static ParameterReport of(long baseCount, List<AdapterPlan> adapters, @Nullable AdapterPlan trainable) {
        long total = baseCount;
        for (AdapterPlan p : adapters) {
            total += p.methodPlan().parameterCount() + p.copiedParameterCount();
        }
        ParameterReport.Builder b = ParameterReport.builder().total(total);
        long trainableCount = 0;
        if (trainable != null) {
            Map<String, Sum> rows = new LinkedHashMap<>();
            String label = trainable.method().label();
            for (PlannedTensor t : trainable.methodTensors().values()) {
                Sum s = rows.computeIfAbsent(label + ":" + t.part(), k -> new Sum(label));
                s.tensors++;
                s.parameters += t.shape().size();
            }
            for (FullTensor f : trainable.fullTensors().values()) {
                if (f.trains()) {
                    Sum s = rows.computeIfAbsent(f.kind() + ":" + f.part(), k -> new Sum(f.kind()));
                    s.tensors++;
                    s.parameters += f.shape().size();
                }
            }
            for (Map.Entry<String, Sum> e : rows.entrySet()) {
                String part = e.getKey().substring(e.getKey().indexOf(':') + 1);
                Sum s = e.getValue();
                b.addRows(ParameterReport.Row.builder().part(part).method(s.method).tensors(s.tensors).trainable(s.parameters).build());
                trainableCount += s.parameters;
            }
        }
        return b.trainable(trainableCount).build();
    }
}
