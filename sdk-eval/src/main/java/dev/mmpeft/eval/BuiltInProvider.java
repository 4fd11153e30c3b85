package dev.mmpeft.eval;

import dev.mmpeft.core.eval.Evaluator;
import java.util.function.Supplier;

/**
 * What every built-in evaluator's {@link EvaluatorProvider} is: a name, one line of description
 * and a constructor. Each evaluator's nested {@code Provider} (the class listed for
 * {@link java.util.ServiceLoader}, which needs a public no-argument constructor) only passes them.
 */
abstract class BuiltInProvider implements EvaluatorProvider {
    private final String name;
    private final String description;
    private final Supplier<Evaluator> factory;

    BuiltInProvider(String name, String description, Supplier<Evaluator> factory) {
        this.name = name;
        this.description = description;
        this.factory = factory;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final Evaluator create() {
        return factory.get();
    }
}
