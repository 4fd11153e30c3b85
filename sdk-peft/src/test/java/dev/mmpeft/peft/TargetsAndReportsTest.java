package dev.mmpeft.peft;

import dev.mmpeft.peft.lora.LoraConfig;
import dev.mmpeft.peft.lora.LoraBias;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.Component;
import dev.mmpeft.peft.testing.ToyModel;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Targets by component and name, full fine-tuning, biases, errors, and the parameter report. */
class TargetsAndReportsTest {
    // embed 56; layers with key 504, without 432; query_tokens 8; proj 36
    private static final long BASE = 56 + 504 + 432 + 504 + 8 + 36;
    private NDManager manager;
    private ToyModel base;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = ToyModel.random(manager, 9);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void reportHasPeftsLineAndAPerComponentTable() {
        assertEquals(BASE, base.root().parameterCount());
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(1).target(Component.QFORMER_SELF_ATTN, Component.QFORMER_CROSS_ATTN).on(base)) {
            ParameterReport r = peft.trainableParameters().report();
            // self-attention: 3 layers x (query + value) x (8 + 8); cross: 2 keys x (8 + 8)
            assertEquals(96 + 32, r.trainable());
            assertEquals(BASE + 128, r.total());
            assertEquals("trainable params: 128 || all params: 1,668 || trainable%: 7.6739", r.summary());
            assertEquals(96, r.trainable("QFORMER_SELF_ATTN"));
            assertEquals(32, r.trainable("QFORMER_CROSS_ATTN"));
            String printed = peft.trainableParameters().toString();
            assertTrue(printed.startsWith("trainable params: 128 || all params: 1,668 || trainable%: 7.6739"), printed);
            assertTrue(printed.contains("QFORMER_SELF_ATTN      lora         12                 96"), printed);
            assertTrue(printed.contains("QFORMER_CROSS_ATTN     lora          4                 32"), printed);
        }
    }

    @Test
    void structuralReportNeedsNoArraysAndScalesWithRank() {
        ToyModel structure = ToyModel.structure();
        assertTrue(structure.root().getParameters().values().stream().noneMatch(Parameter::isInitialized));
        for (int r : new int[] {1, 2, 4, 8}) {
            ParameterReport report = Peft.lora().rank(r).target(Component.QFORMER_FFN).report(structure);
            // 3 layers x (fc1 8+16, fc2 16+8) x r
            assertEquals(3L * 48 * r, report.trainable());
            assertEquals(BASE + 3L * 48 * r, report.total());
        }
        assertTrue(structure.root().getParameters().values().stream().noneMatch(Parameter::isInitialized), "nothing allocated");
        ParameterReport extras = Peft.lora().rank(1).target(Component.QFORMER_SELF_ATTN)
                .train(Component.QUERY_TOKENS, Component.LANGUAGE_PROJECTION).report(structure);
        assertEquals(96 + 8 + 36, extras.trainable());
        // PEFT counts a module to save twice in "all params": the original and the trainable copy
        assertEquals(BASE + 96 + 8 + 36, extras.total());
        assertEquals(8, extras.trainable("QUERY_TOKENS"));
        assertEquals(36, extras.trainable("LANGUAGE_PROJECTION"));
    }

    @Test
    void fullFineTuningCopiesOnlyItsTargets() {
        Map<String, Parameter> baseParams = base.root().namedParameters();
        try (PeftModel<ToyModel.Net> peft = Peft.full().target(Component.QFORMER_FFN).on(base)) {
            Set<String> names = peft.trainableParameters().keySet();
            Set<String> expected = new TreeSet<>();
            for (int i = 0; i < 3; i++) {
                for (String m : List.of("fc1", "fc2")) {
                    expected.add("base_model.model.encoder.layer." + i + ".ffn." + m + ".weight");
                    expected.add("base_model.model.encoder.layer." + i + ".ffn." + m + ".bias");
                }
            }
            assertEquals(expected, new TreeSet<>(names));
            Map<String, Parameter> twin = peft.adaptable().root().namedParameters();
            for (String n : baseParams.keySet()) {
                if (n.contains(".ffn.")) {
                    assertNotSame(baseParams.get(n).getArray(), twin.get(n).getArray(), n);
                    assertTrue(twin.get(n).requiresGradient(), n);
                } else {
                    assertSame(baseParams.get(n).getArray(), twin.get(n).getArray(), n);
                }
            }
            assertEquals(3L * (144 + 136), peft.trainableParameters().count());
        }
        // combined with LoRA on other parts
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(1).target(Component.QFORMER_SELF_ATTN)
                .and(Peft.full().target(Component.QFORMER_FFN)).on(base)) {
            ParameterReport r = peft.trainableParameters().report();
            assertEquals(96, r.trainable("QFORMER_SELF_ATTN"));
            assertEquals(3L * (144 + 136), r.trainable("QFORMER_FFN"));
            List<String> saved = peft.config("default").modulesToSave();
            assertEquals(6, saved.size(), saved.toString());
        }
        // a whole module by name: LoRA targets inside it are not adapted (PEFT never nests the two)
        TargetNotFoundException inside = assertThrows(TargetNotFoundException.class,
                () -> Peft.lora().target("query").train("encoder").on(base));
        assertTrue(inside.getMessage().contains("'query'"), inside.getMessage());
    }

    @Test
    void biasAllAndLoraOnlyTrainPeftsBiases() {
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(1).target("query").bias(LoraBias.ALL).on(base)) {
            Set<String> bias = peft.trainableParameters().keySet().stream().filter(k -> !k.contains("lora_")).collect(Collectors.toCollection(TreeSet::new));
            Set<String> expected = new TreeSet<>();
            base.root().namedParameters().keySet().stream().filter(k -> k.endsWith(".bias")).forEach(k -> {
                String module = k.substring(0, k.length() - 5);
                expected.add("base_model.model." + (module.endsWith("attention.query") ? module + ".base_layer.bias" : k));
            });
            assertEquals(expected, bias);
            assertTrue(bias.contains("base_model.model.encoder.layer.0.norm.bias"), "PEFT's bias=all trains layer norm biases too");
        }
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(1).target("query").bias(LoraBias.LORA_ONLY).on(base)) {
            Set<String> bias = peft.trainableParameters().keySet().stream().filter(k -> !k.contains("lora_")).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(Set.of("base_model.model.encoder.layer.0.attention.query.base_layer.bias",
                    "base_model.model.encoder.layer.1.attention.query.base_layer.bias",
                    "base_model.model.encoder.layer.2.attention.query.base_layer.bias"), bias);
            PeftException two = assertThrows(PeftException.class,
                    () -> peft.addAdapter("b", LoraConfig.builder().addTargetModules("value").bias(LoraBias.ALL).build()));
            assertTrue(two.getMessage().contains("only one adapter may train biases"), two.getMessage());
        }
    }

    @Test
    void targetsThatMatchNothingListTheClosestNames() {
        TargetNotFoundException typo = assertThrows(TargetNotFoundException.class, () -> Peft.lora().target("querry").on(base));
        assertTrue(typo.getMessage().startsWith("target 'querry' matches no linear layer of the model; closest module names: encoder.layer.0.attention.query"),
                typo.getMessage());
        assertEquals(5, typo.closest().size());
        TargetNotFoundException component = assertThrows(TargetNotFoundException.class, () -> Peft.lora().target(Component.LLM_ATTN).on(base));
        assertEquals("target LLM_ATTN matches no module of the model", component.getMessage());
        TargetNotFoundException layers = assertThrows(TargetNotFoundException.class, () -> Peft.lora().target("query").layers(7).on(base));
        assertTrue(layers.getMessage().contains("in layers [7]"), layers.getMessage());
        TargetNotFoundException regex = assertThrows(TargetNotFoundException.class, () -> Peft.lora().targetRegex(".*\\.qery").on(base));
        assertTrue(regex.getMessage().contains("pattern '.*\\.qery'"), regex.getMessage());
        PeftException tensor = assertThrows(PeftException.class, () -> Peft.lora().target(Component.QUERY_TOKENS).on(base));
        assertTrue(tensor.getMessage().contains("'query_tokens', which is a tensor, not a layer"), tensor.getMessage());
        PeftException norm = assertThrows(PeftException.class, () -> Peft.lora().target("norm").on(base));
        assertTrue(norm.getMessage().contains("is a LayerNorm; LoRA applies to linear layers only"), norm.getMessage());
        TargetNotFoundException save = assertThrows(TargetNotFoundException.class, () -> Peft.lora().target("query").train("projj").on(base));
        assertTrue(save.getMessage().contains("closest module names: proj"), save.getMessage());
        PeftException name = assertThrows(PeftException.class, () -> Peft.lora().target("query").on(base).addAdapter("a.b", Peft.lora().target("value").build()));
        assertTrue(name.getMessage().contains("no '.'"), name.getMessage());
    }
}
