package dev.mmpeft.core.spi;

/**
 * What every extension point of the SDK has in common: a provider found through
 * {@link java.util.ServiceLoader} under a short name, with a rank that decides which of several
 * providers of one name wins. Why a shared shape: dataset formats, evaluators, training listeners
 * (and the PEFT methods and model families to come) are looked up, overridden and listed the same
 * way, by one {@link ProviderRegistry}.
 */
public interface NamedProvider {
    /** The name users type ({@code scienceqa}, {@code loss-plot}); compared ignoring case. */
    String name();

    /** Among providers of the same name, the highest rank wins (built-ins have 0). */
    default int rank() {
        return 0;
    }
}
