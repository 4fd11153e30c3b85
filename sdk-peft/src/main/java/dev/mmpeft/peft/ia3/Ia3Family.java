package dev.mmpeft.peft.ia3;

import dev.mmpeft.models.bert.BertModel;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.qformer.InstructBlipQFormerModel;
import dev.mmpeft.models.t5.T5Model;
import dev.mmpeft.peft.internal.TargetMatcher;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which linear layers of a model family IA3 scales by default, and which of them are feed-forward
 * (input-scaled): PEFT's {@code TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING} and
 * {@code TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING} (peft/utils/constants.py) for the
 * families this SDK has.
 *
 * <p>Why: PEFT fills an IA3 config without targets from these tables by {@code model_type}; the
 * same tables tell which modules of a {@link dev.mmpeft.core.Component} have an IA3 role (a key or
 * value projection, or a feed-forward output layer).
 */
enum Ia3Family {
    /** PEFT's {@code "t5"} entry: targets {@code k, v, wo}, feed-forward {@code wo}. */
    T5(List.of("k", "v", "wo"), List.of("wo")),
    /** PEFT's {@code "llama"} entry: targets {@code k_proj, v_proj, down_proj}, feed-forward {@code down_proj}. */
    LLAMA(List.of("k_proj", "v_proj", "down_proj"), List.of("down_proj")),
    /**
     * InstructBLIP's Q-Former: PEFT's {@code "bert"} entry ({@code key, value, output.dense}, feed-forward
     * {@code output.dense}) plus {@code output_query.dense}, the Q-Former's feed-forward output layer
     * for the query tokens (a BERT has no such layer; without it IA3 would never touch the FFN the
     * queries go through). PEFT has no Q-Former entry, so a saved adapter lists these names in full.
     */
    QFORMER(List.of("key", "value", "output.dense", "output_query.dense"), List.of("output.dense", "output_query.dense")),
    /** PEFT's {@code "bert"} entry: targets {@code key, value, output.dense}, feed-forward {@code output.dense}. */
    BERT(List.of("key", "value", "output.dense"), List.of("output.dense"));

    private final List<String> targets;
    private final List<String> feedforward;

    Ia3Family(List<String> targets, List<String> feedforward) {
        this.targets = targets;
        this.feedforward = feedforward;
    }

    /** PEFT's default {@code target_modules} entries. */
    List<String> targets() {
        return targets;
    }

    /** PEFT's default {@code feedforward_modules} entries. */
    List<String> feedforward() {
        return feedforward;
    }

    /** Whether a module of this family has an IA3 role (PEFT's list matching: equal, or a dotted suffix). */
    boolean hasRole(String module) {
        return TargetMatcher.matchesList(targets, module);
    }

    /** Whether a module of this family is feed-forward (PEFT's {@code _check_target_module_feedforward}: a plain suffix test). */
    boolean isFeedforward(String module) {
        return feedforward.stream().anyMatch(module::endsWith);
    }

    /** The family of a model block, if it is one this table knows. */
    static Optional<Ia3Family> of(HfBlock block) {
        if (block instanceof T5Model) {
            return Optional.of(T5);
        }
        if (block instanceof LlamaModel) {
            return Optional.of(LLAMA);
        }
        if (block instanceof InstructBlipQFormerModel) {
            return Optional.of(QFORMER);
        }
        if (block instanceof BertModel) {
            return Optional.of(BERT);
        }
        return Optional.empty();
    }

    /** The family of the innermost known model block that contains {@code module} (or is it). */
    static Optional<Ia3Family> containing(String module, Map<String, HfBlock> modules) {
        String name = module;
        while (true) {
            HfBlock b = modules.get(name);
            Optional<Ia3Family> f = b == null ? Optional.empty() : of(b);
            if (f.isPresent()) {
                return f;
            }
            if (name.isEmpty()) {
                return Optional.empty();
            }
            int dot = name.lastIndexOf('.');
            name = dot < 0 ? "" : name.substring(0, dot);
        }
    }
}
