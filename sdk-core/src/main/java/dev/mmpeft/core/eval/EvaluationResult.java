package dev.mmpeft.core.eval;

import java.util.List;
import java.util.Map;
import org.immutables.value.Value;

/**
 * The outcome of one evaluation: a headline number, breakdowns by group (ScienceQA's NAT, SOC,
 * ..., IconQA's sub-tasks and skills), and a record per example for error analysis.
 */
@Value.Immutable
public abstract class EvaluationResult {
    /** The evaluator that produced this ({@code scienceqa}, {@code iconqa}, {@code vqa}, ...). */
    public abstract String evaluator();

    /** Name of the headline metric ({@code accuracy}, {@code cider}, ...). */
    public abstract String metric();

    /** The headline value, in the unit the official script prints (percent for accuracies). */
    public abstract double headline();

    /** Metric per group, in display order. */
    public abstract Map<String, Double> breakdown();

    /** Number of examples per group, in the order of {@link #breakdown()}. */
    public abstract Map<String, Integer> groupSizes();

    /** One record per evaluated example. */
    public abstract List<ExampleOutcome> records();

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** How one example fared. */
    @Value.Immutable
    public abstract static class ExampleOutcome {
        public abstract String exampleId();

        /** The prediction as given (choice index or text), for display. */
        public abstract String predicted();

        /** The expected answer, for display. */
        public abstract String expected();

        /** The example's score (1/0 for accuracy, fractional for VQA accuracy). */
        public abstract double score();

        /** Whether the prediction could not be read as an answer (counted as wrong). */
        @Value.Default
        public boolean unparseable() {
            return false;
        }

        public static Builder builder() {
            return new Builder();
        }

        /** A builder holding this value's attributes, to derive a variant. */
        public Builder toBuilder() {
            return builder().from(this);
        }

        /** Builds a {@link ExampleOutcome}; {@code build()} validates it. */
        public static class Builder extends ImmutableExampleOutcome.Builder {}
    }

    /** Builds a {@link EvaluationResult}; {@code build()} validates it. */
    public static class Builder extends ImmutableEvaluationResult.Builder {}
}
