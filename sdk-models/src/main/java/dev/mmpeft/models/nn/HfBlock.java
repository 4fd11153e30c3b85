package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A DJL block whose children and parameters carry Hugging Face's names, so that
 * {@link #getParameters()} lists exactly the tensor names of a transformers checkpoint
 * ({@code qformer.encoder.layer.0.attention.attention.query.weight}) and a checkpoint loads with no
 * renaming table.
 *
 * <p>A block declares the shape of every parameter when it is built from a config, before any
 * array exists. That is what lets the SDK count a 4-billion-parameter model's parameters from its
 * config alone ({@link #parameterShapes()}), and check every loaded tensor against the shape the
 * architecture expects. Arrays are set later, by loading or by random initialisation, and may be
 * replaced ({@link #replaceArray}: PEFT's merge and adapter switching).
 *
 * <p>Model blocks compute through typed methods ({@code forward(NDArray ...)}) rather than DJL's
 * generic {@code NDList} forward, which they do not support: models here take several named
 * inputs (masks, caches) that an {@code NDList} would only obscure.
 *
 * <p>Modes follow PyTorch: {@link #setTraining(boolean)} switches dropout on for a whole subtree.
 */
public abstract class HfBlock extends AbstractBlock {
    private final Map<String, Shape> declaredShapes = new LinkedHashMap<>();
    private boolean training;

    /** Adds a child under its Hugging Face attribute name (no DJL index prefix). */
    protected final <B extends HfBlock> B child(String name, B block) {
        if (children.contains(name)) {
            throw new IllegalStateException("block already has a child named '" + name + "'");
        }
        children.add(name, block);
        return block;
    }

    /** Removes a child, returning it. */
    protected final Optional<Block> removeChild(String name) {
        return Optional.ofNullable(children.remove(name));
    }

    /**
     * Declares a parameter under its Hugging Face name with the shape the architecture gives it.
     * The array is set later, once ({@link Parameter#setArray}), and may then be replaced
     * ({@link #replaceArray}). A block looks its parameters up ({@link #parameter(String)},
     * {@link #array(String)}) instead of keeping the {@code Parameter} object, because replacing
     * an array replaces that object.
     */
    protected final void declareParameter(String name, Parameter.Type type, Shape shape) {
        if (parameters.containsKey(name)) {
            throw new IllegalStateException("block already has a parameter named '" + name + "'");
        }
        addParameter(Parameter.builder().setName(name).setType(type).build());
        declaredShapes.put(name, shape);
    }

    /**
     * A parameter of this subtree as it is now, by its name relative to this block: one of this
     * block's own ({@code weight}) or a descendant's ({@code encoder.layer.0.attention.query.weight}).
     *
     * @throws IllegalArgumentException when there is no such parameter
     */
    public final Parameter parameter(String name) {
        int dot = name.lastIndexOf('.');
        HfBlock owner = dot < 0 ? this : module(name.substring(0, dot)).orElse(null);
        Parameter p = owner == null ? null : owner.parameters.get(name.substring(dot + 1));
        if (p == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name + "'");
        }
        return p;
    }

    /** The array of one of this block's own parameters (what a forward pass reads). */
    protected final NDArray array(String localName) {
        return parameter(localName).getArray();
    }

    /**
     * Points a parameter of this subtree ({@link #parameter(String)} names) at {@code array}, which
     * must have the declared shape, with the given requires-gradient flag; neither the previous
     * array nor the new one is changed in any way (no copy, no gradient flag set on them).
     *
     * <p>Why: DJL lets a {@link Parameter}'s array be set only once, but a PEFT model switches a
     * layer between the base model's shared weight and a merged copy, and a tensor trained in full
     * between the shared original and an adapter's copy, without ever writing into a shared array.
     * DJL's {@code Parameter} cannot be subclassed outside its package, so the owning block puts a
     * new {@code Parameter} of the same name, type and shape in place of the old one. Whoever holds
     * the old object keeps seeing the old array: look parameters up again after a replacement.
     *
     * @return the parameter now in place
     * @throws IllegalArgumentException for an unknown name or an array of another shape
     */
    public final Parameter replaceArray(String name, NDArray array, boolean requiresGradient) {
        Parameter old = parameter(name);
        int dot = name.lastIndexOf('.');
        HfBlock owner = dot < 0 ? this : module(name.substring(0, dot)).orElseThrow();
        String local = name.substring(dot + 1);
        Shape shape = owner.declaredShape(local);
        if (!shape.equals(array.getShape())) {
            throw new IllegalArgumentException(
                    "parameter " + name + " has shape " + shape + ", cannot point it at an array of shape " + array.getShape());
        }
        Parameter replacement = Parameter.builder()
                .setName(old.getName())
                .setType(old.getType())
                .optShape(shape)
                .optArray(array)
                .optRequiresGrad(requiresGradient)
                .build();
        owner.parameters.put(local, replacement);
        return replacement;
    }

    /** The shape declared for one of this block's own parameters. */
    public final Shape declaredShape(String localName) {
        Shape s = declaredShapes.get(localName);
        if (s == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + localName + "'");
        }
        return s;
    }

    /** Every parameter of this subtree under its full dotted name, in module order. */
    @Override
    public ParameterList getParameters() {
        ParameterList all = new ParameterList();
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            all.add(e.getKey(), e.getValue());
        }
        return all;
    }

    /** Every parameter of this subtree under its full dotted Hugging Face name. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collectParameters("", out);
        return out;
    }

    /**
     * Whether no parameter of this subtree takes a gradient: neither marked trainable nor holding
     * an array that records one (full fine-tuning marks the arrays directly). A frozen block's
     * outputs carry no autograd history from it, so they may be cached or computed in a scope of
     * their own.
     */
    public final boolean isFrozen() {
        for (Parameter p : namedParameters().values()) {
            if (takesGradient(p)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code p} takes a gradient: marked trainable, or holding an array that records one. */
    public static boolean takesGradient(Parameter p) {
        return p.requiresGradient() || (p.isInitialized() && p.getArray().hasGradient());
    }

    private void collectParameters(String prefix, Map<String, Parameter> out) {
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        for (Pair<String, Block> c : children) {
            if (c.getValue() instanceof HfBlock) {
                ((HfBlock) c.getValue()).collectParameters(prefix + c.getKey() + ".", out);
            }
        }
    }

    /** Every parameter's declared shape under its full name, without touching any array. */
    public final Map<String, Shape> parameterShapes() {
        Map<String, Shape> out = new LinkedHashMap<>();
        collectShapes("", out);
        return out;
    }

    private void collectShapes(String prefix, Map<String, Shape> out) {
        for (Map.Entry<String, Shape> e : declaredShapes.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        for (Pair<String, Block> c : children) {
            if (c.getValue() instanceof HfBlock) {
                ((HfBlock) c.getValue()).collectShapes(prefix + c.getKey() + ".", out);
            }
        }
    }

    /** Number of scalar parameters in this subtree, from declared shapes alone. */
    public final long parameterCount() {
        long n = 0;
        for (Shape s : parameterShapes().values()) {
            n += s.size();
        }
        return n;
    }

    /**
     * Every block of this subtree under its full dotted name, this one under {@code ""}, in
     * module order (the names PEFT's {@code target_modules} match against).
     */
    public final Map<String, HfBlock> namedModules() {
        Map<String, HfBlock> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String name, Map<String, HfBlock> out) {
        out.put(name, this);
        for (Pair<String, Block> c : children) {
            if (c.getValue() instanceof HfBlock) {
                ((HfBlock) c.getValue()).collectModules(name.isEmpty() ? c.getKey() : name + "." + c.getKey(), out);
            }
        }
    }

    /** The block at a dotted path below this one ({@code ""} is this block). */
    public final Optional<HfBlock> module(String path) {
        if (path.isEmpty()) {
            return Optional.of(this);
        }
        HfBlock current = this;
        for (String part : path.split("\\.")) {
            Block next = current.children.get(part);
            if (!(next instanceof HfBlock)) {
                return Optional.empty();
            }
            current = (HfBlock) next;
        }
        return Optional.of(current);
    }

    /** Direct children under their names. */
    public final Map<String, HfBlock> namedChildren() {
        Map<String, HfBlock> out = new LinkedHashMap<>();
        for (Pair<String, Block> c : children) {
            if (c.getValue() instanceof HfBlock) {
                out.put(c.getKey(), (HfBlock) c.getValue());
            }
        }
        return out;
    }

    /** Switches this subtree between training (dropout active) and inference. */
    public void setTraining(boolean training) {
        this.training = training;
        for (HfBlock c : namedChildren().values()) {
            c.setTraining(training);
        }
    }

    /** Whether this block is in training mode. */
    public final boolean isTraining() {
        return training;
    }

    /** Not supported: model blocks are called through their typed {@code forward} methods. */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " is called through its typed forward method, not Block.forward(NDList)");
    }

    /** Not supported: shapes come from the config, see {@link #parameterShapes()}. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not infer output shapes");
    }
}
