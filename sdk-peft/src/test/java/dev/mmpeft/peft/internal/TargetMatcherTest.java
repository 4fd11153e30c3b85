package dev.mmpeft.peft.internal;

import static dev.mmpeft.peft.internal.TargetMatcher.Result.EXCLUDED;
import static dev.mmpeft.peft.internal.TargetMatcher.Result.MATCHED;
import static dev.mmpeft.peft.internal.TargetMatcher.Result.UNMATCHED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmpeft.peft.lora.LoraConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** PEFT's check_target_module_exists, get_pattern_key and layer-index rules, case by case. */
class TargetMatcherTest {
    private static final String T5_Q = "language_model.encoder.block.3.layer.0.SelfAttention.q";
    private static final String QF_QUERY = "qformer.encoder.layer.4.attention.attention.query";

    private static TargetMatcher.Result check(LoraConfig c, String key) {
        return TargetMatcher.check(c, c.modulesToSave(), Set.of(), key);
    }

    @Test
    void listEntriesMatchWholeNamesOrDottedSuffixes() {
        LoraConfig c = LoraConfig.builder().addTargetModules("q", "attention.query").build();
        assertEquals(MATCHED, check(c, T5_Q));
        assertEquals(MATCHED, check(c, "q"));
        assertEquals(UNMATCHED, check(c, "language_model.encoder.block.3.layer.0.SelfAttention.qq"));
        assertEquals(UNMATCHED, check(c, "language_model.encoder.block.3.layer.0.SelfAttention.xq"));
        assertEquals(MATCHED, check(c, QF_QUERY));
        assertEquals(UNMATCHED, check(c, "qformer.encoder.layer.4.crossattention.query"));
    }

    @Test
    void aSingleStringIsAFullMatchRegex() {
        LoraConfig c = LoraConfig.builder().targetRegex(".*SelfAttention\\.(q|v)").build();
        assertEquals(MATCHED, check(c, T5_Q));
        assertEquals(UNMATCHED, check(c, T5_Q + "x"), "full match, not search");
        assertEquals(UNMATCHED, check(c, "x.SelfAttention.k"));
        assertEquals(MATCHED, check(c, "SelfAttention.v"));
    }

    @Test
    void excludesWinAndModulesToSaveAreNeverTargets() {
        LoraConfig c = LoraConfig.builder().addTargetModules("q", "dense").addExcludeModules("block.3.layer.0.SelfAttention.q")
                .addModulesToSave("language_projection").build();
        assertEquals(EXCLUDED, check(c, T5_Q));
        assertEquals(MATCHED, check(c, "language_model.encoder.block.4.layer.0.SelfAttention.q"));
        assertEquals(EXCLUDED, check(c, "language_projection"));
        assertEquals(EXCLUDED, check(c, "language_projection.dense"));
        LoraConfig r = LoraConfig.builder().addTargetModules("q").excludeRegex(".*encoder.*").build();
        assertEquals(EXCLUDED, check(r, T5_Q));
        assertEquals(MATCHED, check(r, "language_model.decoder.block.0.layer.0.SelfAttention.q"));
    }

    @Test
    void layerIndexIsTheFirstNumberedSegment() {
        // PEFT's lazy pattern: block 3, not the nested layer 0
        assertEquals(Optional.of(3), TargetMatcher.layerIndex(List.of(), T5_Q));
        assertEquals(Optional.of(0), TargetMatcher.layerIndex(List.of("layer"), T5_Q));
        assertEquals(Optional.of(3), TargetMatcher.layerIndex(List.of("block"), T5_Q));
        assertEquals(Optional.of(4), TargetMatcher.layerIndex(List.of("layer"), QF_QUERY));
        assertEquals(Optional.empty(), TargetMatcher.layerIndex(List.of("layers"), QF_QUERY));
        assertEquals(Optional.empty(), TargetMatcher.layerIndex(List.of(), "language_projection"));
    }

    @Test
    void layersToTransformFiltersSuffixMatchesButNotExactEntries() {
        LoraConfig c = LoraConfig.builder().addTargetModules("q", QF_QUERY).addLayersToTransform(1, 2).addLayersPattern("block").build();
        assertEquals(UNMATCHED, check(c, T5_Q), "block 3 is not in [1, 2]");
        assertEquals(MATCHED, check(c, "language_model.encoder.block.2.layer.0.SelfAttention.q"));
        assertEquals(MATCHED, check(c, QF_QUERY), "an exact entry skips the layer filter, as in PEFT");
        LoraConfig any = LoraConfig.builder().addTargetModules("q").addLayersToTransform(3).build();
        assertEquals(MATCHED, check(any, T5_Q));
    }

    @Test
    void componentNamesMatchLikeFullEntriesAndObeyLayerFilters() {
        LoraConfig c = LoraConfig.builder().addLayersToTransform(4).addLayersPattern("layer").build();
        assertEquals(MATCHED, TargetMatcher.check(c, List.of(), Set.of(QF_QUERY), QF_QUERY));
        assertEquals(UNMATCHED, TargetMatcher.check(c, List.of(), Set.of("qformer.encoder.layer.5.attention.attention.query"),
                "qformer.encoder.layer.5.attention.attention.query"));
    }

    @Test
    void patternKeysMatchNameEndingsFirstKeyWins() {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        ranks.put("q", 4);
        ranks.put("block\\.3\\..*\\.q", 16);
        assertEquals(Optional.of(4), TargetMatcher.patternValue(ranks, T5_Q));
        assertEquals(Optional.empty(), TargetMatcher.patternValue(ranks, T5_Q + "q"));
        assertEquals(Optional.empty(), TargetMatcher.patternValue(ranks, "language_model.encoder.block.3.layer.0.SelfAttention.xq"));
        Map<String, Integer> reversed = new LinkedHashMap<>();
        reversed.put("block\\.3\\..*\\.q", 16);
        reversed.put("q", 4);
        assertEquals(Optional.of(16), TargetMatcher.patternValue(reversed, T5_Q));
    }

    @Test
    void modulesToSaveUsePlainSuffixes() {
        assertEquals(true, TargetMatcher.isModuleToSave(List.of("language_projection"), "language_projection"));
        assertEquals(true, TargetMatcher.isModuleToSave(List.of("projection"), "vision_model.encoder.layers.0.self_attn.projection"));
        assertEquals(false, TargetMatcher.isModuleToSave(List.of("qformer"), "qformer.encoder"));
    }

    @Test
    void closestNamesByEditDistance() {
        List<String> names = List.of(QF_QUERY, "qformer.encoder.layer.4.attention.attention.value", T5_Q, "language_projection");
        assertEquals(QF_QUERY, Names.closest("querry", names, 2).get(0));
        assertEquals("language_projection", Names.closest("language_projektion", names, 1).get(0));
        assertEquals(3, Names.distance("kitten", "sitting"));
    }
}
