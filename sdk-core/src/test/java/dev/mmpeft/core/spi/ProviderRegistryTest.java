package dev.mmpeft.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.config.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The registry every extension point uses, on three real ServiceLoader providers of a test-only
 * extension point (listed in this module's test resources): a built-in {@code hello}, an override
 * of it with a higher rank spelled {@code Hello}, and {@code bye}.
 */
class ProviderRegistryTest {
    /** A test-only extension point. */
    public interface Greeting extends NamedProvider {
        String greet();
    }

    public static final class BuiltInHello implements Greeting {
        @Override
        public String name() {
            return "hello";
        }

        @Override
        public String greet() {
            return "built-in";
        }
    }

    public static final class BetterHello implements Greeting {
        @Override
        public String name() {
            return "Hello";
        }

        @Override
        public int rank() {
            return 5;
        }

        @Override
        public String greet() {
            return "override";
        }
    }

    public static final class Bye implements Greeting {
        @Override
        public String name() {
            return "bye";
        }

        @Override
        public String greet() {
            return "bye";
        }
    }

    private final ProviderRegistry<Greeting> registry =
            ProviderRegistry.of(Greeting.class, "greeting", ConfigException::new);

    @Test
    void findsByNameIgnoringCaseAndTheHighestRankWins() {
        assertEquals(List.of("bye", "hello"), registry.names());
        assertEquals("override", registry.get("HELLO").greet());
        assertEquals("override", registry.get(" hello ").greet());
        assertEquals("bye", registry.get("bye").greet());
        assertTrue(registry.find("nope").isEmpty());
        // found once, then served from the cache until reloaded
        assertSame(registry.get("bye"), registry.get("Bye"));
        Greeting before = registry.get("bye");
        registry.reload();
        assertEquals("bye", registry.get("bye").greet());
        assertTrue(before != registry.get("bye"), "reload scans the class path again");
    }

    @Test
    void unknownNamesGetTheModulesExceptionListingTheKnownOnes() {
        ConfigException e = assertThrows(ConfigException.class, () -> registry.get("salut"));
        assertEquals("unknown greeting 'salut' (known: bye, hello)", e.getMessage());
    }
}
