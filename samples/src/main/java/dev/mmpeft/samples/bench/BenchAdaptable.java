package dev.mmpeft.samples.bench;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.peft.AdaptableModel;
import java.util.Optional;
import java.util.Set;

/**
 * The benchmark's view of an InstructBLIP as a PEFT {@link AdaptableModel}: the block tree, its
 * components and a fresh structure of the same config. The benchmark feeds tensors, not prompts,
 * so it needs no loss from prompts.
 */
final class BenchAdaptable implements AdaptableModel<InstructBlip> {
    private final InstructBlip model;

    BenchAdaptable(InstructBlip model) {
        this.model = model;
    }

    @Override
    public InstructBlip model() {
        return model;
    }

    @Override
    public HfBlock root() {
        return model;
    }

    @Override
    public Set<String> modulesOf(Component component) {
        return model.modulesOf(component);
    }

    @Override
    public AdaptableModel<InstructBlip> newStructure() {
        return new BenchAdaptable(InstructBlip.fromConfig(model.config()));
    }

    @Override
    public Optional<ModelConfig> config() {
        return Optional.of(model.config());
    }

    @Override
    public Optional<String> taskType() {
        return Optional.of("SEQ_2_SEQ_LM");
    }
}
