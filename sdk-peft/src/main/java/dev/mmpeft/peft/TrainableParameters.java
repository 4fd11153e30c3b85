package dev.mmpeft.peft;

import ai.djl.nn.Parameter;
import com.google.common.collect.ForwardingMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameters an adapted model trains, under the names they have in the adapter file
 * ({@code base_model.model.<module>.lora_A.weight}), in a fixed order: what a training loop
 * optimises, and, printed, PEFT's trainable-parameter report.
 *
 * <p>Why a map that prints a report: the training loop needs the parameters, a user needs the
 * counts, and both ask the same question, "what trains?".
 */
public final class TrainableParameters extends ForwardingMap<String, Parameter> {
    private final Map<String, Parameter> parameters;
    private final ParameterReport report;

    TrainableParameters(Map<String, Parameter> parameters, ParameterReport report) {
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        this.report = report;
    }

    @Override
    protected Map<String, Parameter> delegate() {
        return parameters;
    }

    /** The counts behind the printed report. */
    public ParameterReport report() {
        return report;
    }

    /** Number of trainable scalars. */
    public long count() {
        return report.trainable();
    }

    /** PEFT's summary line and the per-component table. */
    @Override
    public String toString() {
        return report.toString();
    }
}
