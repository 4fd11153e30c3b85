package dev.mmpeft.samples.quickstart;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.train.TrainableModel;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every parameter of an InstructBLIP model trainable, in place: what pre-training the embedded
 * default model needs (not a PEFT method; for fine-tuning a real model use {@code Peft}).
 * Saving writes the whole model in Hugging Face layout, tokenizers not included.
 */
public final class WholeModel implements TrainableModel<Prompt> {
    private final InstructBlip model;
    private final InstructBlipProcessor processor;
    private final Map<String, Parameter> parameters;

    public WholeModel(InstructBlip model, InstructBlipProcessor processor) {
        this.model = model;
        this.processor = processor;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(model.namedParameters()));
        parameters.values().forEach(p -> p.getArray().setRequiresGradient(true));
    }

    @Override
    public Map<String, Parameter> trainableParameters() {
        return parameters;
    }

    @Override
    public NDArray loss(java.util.List<Prompt> batch, NDManager scope) {
        return model.forward(processor.trainingInputs(batch, scope)).loss().orElseThrow();
    }

    @Override
    public void setTraining(boolean training) {
        model.setTraining(training);
    }

    @Override
    public void saveTrainable(Path directory) throws IOException {
        model.save(directory);
    }

    /** Stops tracking gradients for every parameter (after training, before inference or LoRA). */
    public void freeze() {
        parameters.values().forEach(p -> p.getArray().setRequiresGradient(false));
    }
}
