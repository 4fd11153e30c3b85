package dev.mmpeft.samples.quickstart;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.train.TrainableModel;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.lavin.Lavin;
import dev.mmpeft.models.lavin.LavinProcessor;
import dev.mmpeft.models.llava.Llava;
import dev.mmpeft.models.llava.LlavaProcessor;
import dev.mmpeft.models.nn.HfModel;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Every parameter of a model trainable, in place: what pre-training an embedded model needs (not a
 * PEFT method; for fine-tuning a real model use {@code Peft}). Saving writes the whole model in
 * Hugging Face layout, tokenizers not included.
 */
public final class WholeModel implements TrainableModel<Prompt> {
    private final HfModel<?> model;
    private final BiFunction<List<Prompt>, NDManager, NDArray> loss;
    private final Map<String, Parameter> parameters;

    /** An InstructBLIP model, its loss from {@code processor}'s training inputs. */
    public WholeModel(InstructBlip model, InstructBlipProcessor processor) {
        this(model, (batch, scope) -> model.forward(processor.trainingInputs(batch, scope)).loss().orElseThrow());
    }

    /** A LLaVA model, its loss from {@code processor}'s training inputs. */
    public WholeModel(Llava model, LlavaProcessor processor) {
        this(model, (batch, scope) -> model.forward(processor.trainingInputs(batch, scope)).loss().orElseThrow());
    }

    /** A LaVIN model (text-only and image prompts mixed), its loss from {@code processor}'s training inputs. */
    public WholeModel(Lavin model, LavinProcessor processor) {
        this(model, (batch, scope) -> model.forward(processor.trainingInputs(batch, scope)).loss().orElseThrow());
    }

    private WholeModel(HfModel<?> model, BiFunction<List<Prompt>, NDManager, NDArray> loss) {
        this.model = model;
        this.loss = loss;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(model.namedParameters()));
        parameters.values().forEach(p -> p.getArray().setRequiresGradient(true));
    }

    @Override
    public Map<String, Parameter> trainableParameters() {
        return parameters;
    }

    @Override
    public NDArray loss(List<Prompt> batch, NDManager scope) {
        return loss.apply(batch, scope);
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
