package dev.mmpeft.eval;

import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.spi.NamedProvider;

/**
 * The extension point for evaluators, found with {@link java.util.ServiceLoader}: list an
 * implementation in {@code META-INF/services/dev.mmpeft.eval.EvaluatorProvider} and
 * {@link Evaluators#forName(String)} finds it by {@link #name()}.
 *
 * <p>Why a provider and not the evaluator itself: creating an evaluator may need configuration
 * or resources, and listing the available names must not create them. A provider with a higher
 * {@link #rank()} replaces a built-in one of the same name.
 */
public interface EvaluatorProvider extends NamedProvider {
    /** The name users ask for ({@code scienceqa}, {@code vqa}, ...): lower case, no spaces. */
    @Override
    String name();

    /** One line on what it computes, for listings. */
    default String description() {
        return name();
    }

    /** A new evaluator with the default settings. */
    Evaluator create();
}
