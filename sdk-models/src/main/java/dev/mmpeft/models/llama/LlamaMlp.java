package dev.mmpeft.models.llama;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.models.nn.Activations;
import dev.mmpeft.models.nn.SublayerBlock;
import dev.mmpeft.models.nn.Linear;
import java.util.function.UnaryOperator;

/** transformers' {@code LlamaMLP}: {@code down_proj(act(gate_proj(x)) * up_proj(x))}, SiLU by default. */
public final class LlamaMlp extends SublayerBlock {
    private final UnaryOperator<NDArray> act;
    private final Linear gateProj;
    private final Linear upProj;
    private final Linear downProj;

    LlamaMlp(LlamaConfig config) {
        super(Kind.FEED_FORWARD, config.hiddenSize());
        this.act = Activations.of(config.hiddenAct());
        boolean bias = config.mlpBias();
        this.gateProj = child("gate_proj", new Linear(config.hiddenSize(), config.intermediateSize(), bias));
        this.upProj = child("up_proj", new Linear(config.hiddenSize(), config.intermediateSize(), bias));
        this.downProj = child("down_proj", new Linear(config.intermediateSize(), config.hiddenSize(), bias));
    }

    public Linear gateProj() {
        return gateProj;
    }

    public Linear upProj() {
        return upProj;
    }

    public Linear downProj() {
        return downProj;
    }

    NDArray forward(NDArray x) {
        return downProj.forward(act.apply(gateProj.forward(x)).mul(upProj.forward(x)));
    }
}
