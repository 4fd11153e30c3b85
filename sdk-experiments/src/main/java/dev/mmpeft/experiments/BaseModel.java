package dev.mmpeft.experiments;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.Devices;
import dev.mmpeft.models.family.Models;
import dev.mmpeft.models.generation.Predictor;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.lavin.Lavin;
import dev.mmpeft.models.lavin.LavinProcessor;
import dev.mmpeft.models.llava.Llava;
import dev.mmpeft.models.llava.LlavaProcessor;
import dev.mmpeft.models.nn.HfModel;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.AdaptableModel;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.PeftModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A loaded base model of any family (InstructBLIP, LLaVA, LaVIN) with the processor of its inputs,
 * as the experiments use it: the PEFT view that adapters are put on (training on prompts), and the
 * {@link Predictor} that answers a task's prompts with the base or an adapted model. Why one type:
 * the recipe ({@link Experiment}), the sweep and the methods stay the same for every family; only
 * this class knows how each family's model and processor fit together.
 *
 * <pre>{@code
 * try (BaseModel base = BaseModel.load(Path.of("models/llava-1.5-7b-hf"), "llava-1.5-7b", Device.cpu())) {
 *     Experiment.run(base, data, FineTuning.lora(EnumSet.of(Component.LLM_ATTN), 2), out, true, false, console);
 * }
 * }</pre>
 *
 * <p>A base from {@link #load} owns its model and processor and closes them; one made with
 * {@code of(model, processor, id)} leaves them to the caller.
 */
public final class BaseModel implements AutoCloseable {
    private final String family;
    private final HfModel<?> model;
    private final Object processor;
    private final String modelId;
    private final Supplier<AdaptableModel<?>> adaptable;
    private final Function<Object, Predictor> predictor;
    private final List<AutoCloseable> owned;

    private BaseModel(String family, HfModel<?> model, Object processor, String modelId, Supplier<AdaptableModel<?>> adaptable,
            Function<Object, Predictor> predictor, List<AutoCloseable> owned) {
        this.family = family;
        this.model = model;
        this.processor = processor;
        this.modelId = modelId;
        this.adaptable = adaptable;
        this.predictor = predictor;
        this.owned = owned;
    }

    /** An InstructBLIP model with its processor, named {@code modelId} in adapters and reports (both left open). */
    public static BaseModel of(InstructBlip model, InstructBlipProcessor processor, String modelId) {
        return new BaseModel("instructblip", model, processor, modelId, () -> Adaptables.instructBlip(model, processor, modelId),
                m -> Predictor.of((InstructBlip) m, processor), List.of());
    }

    /** A LLaVA model with its processor, named {@code modelId} in adapters and reports (both left open). */
    public static BaseModel of(Llava model, LlavaProcessor processor, String modelId) {
        return new BaseModel("llava", model, processor, modelId, () -> Adaptables.llava(model, processor, modelId),
                m -> Predictor.of((Llava) m, processor), List.of());
    }

    /** A LaVIN model with its processor, named {@code modelId} in adapters and reports (both left open). */
    public static BaseModel of(Lavin model, LavinProcessor processor, String modelId) {
        return new BaseModel("lavin", model, processor, modelId, () -> Adaptables.lavin(model, processor, modelId),
                m -> Predictor.of((Lavin) m, processor), List.of());
    }

    /**
     * Loads a Hugging Face directory of any family ({@code config.json}'s {@code model_type}) with
     * its processor onto {@code device}; closing the base closes both.
     *
     * @throws dev.mmpeft.core.MmpeftException naming the file, field or tensor at fault, or the
     *     family when experiments do not run it yet
     */
    public static BaseModel load(Path directory, String modelId, Device device) {
        String family = Models.familyOf(directory).name();
        ai.djl.Device djl = Devices.require(device).toDjl();
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            BaseModel base = switch (family) {
                case "instructblip" -> {
                    InstructBlip m = open(opened, InstructBlip.load(directory, djl));
                    yield of(m, open(opened, InstructBlipProcessor.load(directory, m.config())), modelId);
                }
                case "llava" -> {
                    Llava m = open(opened, Llava.load(directory, djl));
                    yield of(m, open(opened, LlavaProcessor.load(directory, m.config())), modelId);
                }
                case "lavin" -> {
                    Lavin m = open(opened, Lavin.load(directory, djl));
                    yield of(m, open(opened, LavinProcessor.load(directory, m.config())), modelId);
                }
                default -> throw new ExperimentException(directory + ": experiments do not run the " + family
                        + " family; they run instructblip, llava and lavin models");
            };
            return new BaseModel(base.family, base.model, base.processor, modelId, base.adaptable, base.predictor,
                    List.copyOf(opened));
        } catch (RuntimeException e) {
            closeAll(opened, e);
            throw e;
        }
    }

    private static <T extends AutoCloseable> T open(List<AutoCloseable> opened, T resource) {
        opened.add(0, resource); // closed in reverse order of opening
        return resource;
    }

    /** The family's name ({@code instructblip}, {@code llava}, {@code lavin}). */
    public String family() {
        return family;
    }

    /** How adapters, reports and summaries name the model. */
    public String modelId() {
        return modelId;
    }

    /** The model (its block tree under Hugging Face names). */
    public HfModel<?> model() {
        return model;
    }

    /**
     * The model as its family's type, for what only one family does (PETAL's mode approximation on
     * InstructBLIP).
     *
     * @throws ExperimentException naming both families when the model is another family's
     */
    public <M> M model(Class<M> type, String what) {
        if (!type.isInstance(model)) {
            throw new ExperimentException(what + " needs a " + type.getSimpleName() + " model; this base is a " + family
                    + " model (" + modelId + ")");
        }
        return type.cast(model);
    }

    /** The processor as its family's type ({@link #model(Class, String)} for why). */
    public <P> P processor(Class<P> type, String what) {
        if (!type.isInstance(processor)) {
            throw new ExperimentException(what + " needs a " + type.getSimpleName() + "; this base is a " + family
                    + " model (" + modelId + ")");
        }
        return type.cast(processor);
    }

    /** The parameter count of the base model. */
    public long parameterCount() {
        return model.parameterCount();
    }

    /** A fresh PEFT view of the base model that trains on prompts (its processor turns them into inputs). */
    public AdaptableModel<?> adaptable() {
        return adaptable.get();
    }

    /** The predictor of the base model (task type picks scoring or generation). */
    public Predictor predictor() {
        return predictor.apply(model);
    }

    /** The predictor of a model adapted from this base. */
    public Predictor predictor(PeftModel<?> adapted) {
        return predictor.apply(adapted.model());
    }

    /** Closes the model and processor when {@link #load} opened them; otherwise nothing. */
    @Override
    public void close() {
        closeAll(owned, null);
    }

    private static void closeAll(List<AutoCloseable> resources, Throwable failure) {
        RuntimeException first = null;
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else if (first == null) {
                    first = e instanceof RuntimeException re ? re : new ExperimentException("closing " + r + ": " + e.getMessage());
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
