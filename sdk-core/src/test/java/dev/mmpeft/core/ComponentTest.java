package dev.mmpeft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ComponentTest {
    @Test
    void parsesNamesAsUsersTypeThem() {
        assertEquals(Component.QFORMER_CROSS_ATTN, Component.parse("qformer-cross-attn"));
        assertEquals(Component.QFORMER_CROSS_ATTN, Component.parse("QFORMER_CROSS_ATTN"));
        assertEquals(Component.LLM_FFN, Component.parse("  llm_ffn "));
        assertEquals(Component.LANGUAGE_PROJECTION, Component.parse("Language-Projection"));
        // the PEFT study's word for InstructBLIP's language_projection and LLaVA's multi_modal_projector
        assertEquals(Component.LANGUAGE_PROJECTION, Component.parse("connector"));
        assertEquals(Component.LANGUAGE_PROJECTION, Component.parse(" Connector "));
        for (Component c : Component.values()) {
            assertEquals(c, Component.parse(c.name().toLowerCase().replace('_', '-')));
        }
    }

    @Test
    void unknownNamesListTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Component.parse("qformer-attn"));
        assertTrue(e.getMessage().startsWith("unknown component 'qformer-attn'; expected one of QFORMER_SELF_ATTN, QFORMER_CROSS_ATTN"),
                e.getMessage());
        assertTrue(e.getMessage().contains("LANGUAGE_PROJECTION"));
        assertTrue(e.getMessage().endsWith("(or CONNECTOR for LANGUAGE_PROJECTION)"), e.getMessage());
    }

    @Test
    void compositesExpandToTheirParts() {
        assertEquals(EnumSet.of(Component.QFORMER_SELF_ATTN, Component.QFORMER_CROSS_ATTN, Component.QFORMER_FFN),
                Component.QFORMER_ALL.parts());
        assertEquals(EnumSet.of(Component.LLM_ATTN, Component.LLM_FFN), Component.LLM_ALL.parts());
        assertEquals(EnumSet.of(Component.VISION_ATTN, Component.VISION_MLP), Component.VISION_ALL.parts());
        Set<Component> composites = EnumSet.noneOf(Component.class);
        for (Component c : Component.values()) {
            if (c.isComposite()) {
                composites.add(c);
                assertFalse(c.parts().contains(c), c.name());
            } else {
                assertEquals(EnumSet.of(c), c.parts(), c.name());
            }
        }
        assertEquals(EnumSet.of(Component.QFORMER_ALL, Component.LLM_ALL, Component.VISION_ALL), composites);
    }
}
