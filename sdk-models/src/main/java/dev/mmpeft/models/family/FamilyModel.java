package dev.mmpeft.models.family;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.models.nn.HfModel;
import java.util.List;
import java.util.Set;

/**
 * The part of a family's {@link MultimodalModel} that does not depend on the family: the name, the
 * wrapped model, the declared inputs and their check, the weights guard of a structure-only model,
 * and closing. A family supplies how named inputs become its typed inputs and how its model runs
 * them (forward, generate, candidate scoring).
 *
 * @param <M> the family's model
 * @param <I> the family's typed inputs
 */
public abstract class FamilyModel<M extends HfModel<?>, I> implements MultimodalModel {
    private final String family;
    private final boolean hasWeights;
    private final List<String> required;
    private final List<String> optional;
    /** The wrapped model. */
    protected final M model;

    /**
     * @param family the family's name, as in error messages
     * @param model the model
     * @param hasWeights false for a structure built from a config alone (counts work, running does not)
     * @param required the inputs every call needs
     * @param optional the optional inputs; the last one is the labels, which only forward takes
     */
    protected FamilyModel(String family, M model, boolean hasWeights, List<String> required, List<String> optional) {
        this.family = family;
        this.model = model;
        this.hasWeights = hasWeights;
        this.required = List.copyOf(required);
        this.optional = List.copyOf(optional);
    }

    /** The typed inputs of named, already checked {@code inputs}. */
    protected abstract I typed(ModelInputs inputs);

    /** The typed inputs, checked against the declared names; {@code labels} says whether labels may be among them. */
    protected final I inputs(ModelInputs inputs, boolean labels) {
        if (!hasWeights) {
            throw new MmpeftException("this " + family + " model is a structure built from its config only (no weights);"
                    + " load the model directory with Models.load to run it");
        }
        inputs.check(family, required, labels ? optional : optional.subList(0, optional.size() - 1));
        return typed(inputs);
    }

    @Override
    public String family() {
        return family;
    }

    @Override
    public ModelConfig config() {
        return model.config();
    }

    @Override
    public HfModel<?> model() {
        return model;
    }

    @Override
    public Set<String> modulesOf(Component component) {
        return model.modulesOf(component);
    }

    @Override
    public List<String> requiredInputs() {
        return required;
    }

    @Override
    public List<String> optionalInputs() {
        return optional;
    }

    @Override
    public void close() {
        model.close();
    }
}
