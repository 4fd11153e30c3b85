package dev.mmpeft.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fuzz runner and mutators themselves: each rule the fuzz tests rely on can fail. */
class FuzzCampaignTest {

    @Test
    void countsAcceptedAndTypedRejections() throws Exception {
        FuzzCampaign.Result r = FuzzCampaign.of("self", 7, 10).typed(ConfigException.class).run((random, m) -> {
            int k = random.nextInt(2);
            m.mustName("f.json");
            return () -> {
                if (k == 0) {
                    throw new ConfigException("f.json: field 'x' must be an integer");
                }
            };
        });
        assertEquals(10, r.cases());
        assertEquals(10, r.accepted() + r.rejected());
        assertTrue(r.accepted() > 0 && r.rejected() > 0, r.toString());
    }

    @Test
    void anUntypedExceptionFailsWithTheSeedAndTheMutation() {
        AssertionError e = assertThrows(AssertionError.class, () -> FuzzCampaign.of("self", 11, 5)
                .typed(ConfigException.class)
                .run((random, m) -> {
                    m.describe("replace $.image with \"\\ud800\"");
                    return () -> {
                        throw new NullPointerException("boom");
                    };
                }));
        assertTrue(e.getMessage().contains("campaign seed 11"), e.getMessage());
        assertTrue(e.getMessage().contains("case seed " + FuzzCampaign.caseSeed(11, 0)), e.getMessage());
        assertTrue(e.getMessage().contains("replace $.image"), e.getMessage());
        assertTrue(e.getMessage().contains("NullPointerException"), e.getMessage());
    }

    @Test
    void aTypedExceptionThatDoesNotNameTheFileFails() {
        AssertionError e = assertThrows(AssertionError.class, () -> FuzzCampaign.of("self", 1, 3)
                .typed(ConfigException.class)
                .run((random, m) -> {
                    m.mustName("config.json");
                    return () -> {
                        throw new ConfigException("field 'd_model' must be an integer");
                    };
                }));
        assertTrue(e.getMessage().contains("does not name 'config.json'"), e.getMessage());
    }

    @Test
    void aTypedExceptionThatWrapsABugFails() {
        AssertionError e = assertThrows(AssertionError.class, () -> FuzzCampaign.of("self", 1, 3)
                .typed(ConfigException.class)
                .run((random, m) -> () -> {
                    throw new ConfigException("f.json: cannot read", new ClassCastException("x"));
                }));
        assertTrue(e.getMessage().contains("wraps a bug"), e.getMessage());
    }

    @Test
    void aTouchedFieldMustBeNamedWhenRequired() throws Exception {
        FuzzCampaign lax = FuzzCampaign.of("self", 1, 2).typed(ConfigException.class);
        lax.run((random, m) -> {
            m.touched("d_model");
            return () -> {
                throw new ConfigException("f.json: bad");
            };
        });
        AssertionError e = assertThrows(AssertionError.class, () -> FuzzCampaign.of("self", 1, 2)
                .typed(ConfigException.class)
                .requireFieldNames()
                .run((random, m) -> {
                    m.touched("d_model");
                    return () -> {
                        throw new ConfigException("f.json: bad");
                    };
                }));
        assertTrue(e.getMessage().contains("field 'd_model'"), e.getMessage());
    }

    @Test
    void aHangFailsFast() {
        long start = System.nanoTime();
        AssertionError e = assertThrows(AssertionError.class, () -> FuzzCampaign.of("self", 1, 3)
                .typed(ConfigException.class)
                .timeout(Duration.ofMillis(300))
                .run((random, m) -> () -> Thread.sleep(60_000)));
        assertTrue(e.getMessage().contains("a hang"), e.getMessage());
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "the hang was not cut short");
    }

    @Test
    void anOutOfMemoryErrorFails() {
        AssertionError e = assertThrows(AssertionError.class, () -> FuzzCampaign.of("self", 1, 1)
                .typed(ConfigException.class)
                .run((random, m) -> () -> {
                    throw new OutOfMemoryError("Java heap space");
                }));
        assertTrue(e.getMessage().contains("OutOfMemoryError"), e.getMessage());
    }

    @Test
    void structuralJsonMutationsAreReproducibleAndEditOneValue() {
        String json = "{\"a\":1,\"b\":{\"c\":[\"x\",\"y\"],\"d\":true}}";
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (List<String> out : List.of(first, second)) {
            Random r = new Random(42);
            for (int i = 0; i < 200; i++) {
                out.add(JsonMutations.mutate(json, r, new Mutation()));
            }
        }
        assertEquals(first, second);
        assertTrue(first.stream().distinct().count() > 50, "too few distinct mutations");
        // a replacement keeps the rest of the document: exactly one value differs
        JsonNode original = JsonMutations.parse(json);
        int replacedOne = 0;
        for (String s : first) {
            JsonNode n = JsonMutations.parse(s);
            if (n != null && n.isObject() && n.size() == 2 && n.get("b") != null && n.get("b").size() == 2
                    && n.get("a") != null && !n.equals(original)) {
                int diffs = (n.get("a").equals(original.get("a")) ? 0 : 1)
                        + (n.get("b").get("d") != null && n.get("b").get("d").equals(original.get("b").get("d")) ? 0 : 1)
                        + (original.get("b").get("c").equals(n.get("b").get("c")) ? 0 : 1);
                assertTrue(diffs <= 1, "more than one edit in " + s);
                replacedOne++;
            }
        }
        assertTrue(replacedOne > 20, "too few single-value edits: " + replacedOne);
    }

    @Test
    void aWrongKindReplacementNamesTheFieldItTouched() {
        Random r = new Random(3);
        int touched = 0;
        for (int i = 0; i < 300; i++) {
            Mutation m = new Mutation();
            String out = JsonMutations.mutate("{\"d_model\":512}", r, m);
            if (!m.touched().isEmpty()) {
                assertEquals("d_model", m.touched());
                JsonNode n = JsonMutations.parse(out);
                assertTrue(n == null || n.get("d_model") == null || !n.get("d_model").isIntegralNumber(), out);
                touched++;
            }
        }
        assertNotEquals(0, touched);
    }
}
