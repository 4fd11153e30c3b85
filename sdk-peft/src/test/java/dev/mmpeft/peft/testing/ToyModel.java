package dev.mmpeft.peft.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.HfBlockList;
import dev.mmpeft.models.nn.LayerNorm;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.Weights;
import dev.mmpeft.peft.AdaptableModel;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A small model made of the SDK's {@code nn} blocks with InstructBLIP-like names, for testing the
 * PEFT machinery before (and independently of) the real models: {@code embed}, then
 * {@code encoder.layer.N} with {@code attention.{query,key,value}} (key only on even layers, like
 * the Q-Former's cross-attention), {@code ffn.{fc1,fc2}}, {@code norm}; a bare {@code query_tokens}
 * tensor; and {@code proj} (the "language projection").
 */
public final class ToyModel implements AdaptableModel<ToyModel.Net> {
    public static final int IN = 6;
    public static final int HIDDEN = 8;
    public static final int FFN = 16;
    public static final int OUT = 4;
    public static final int LAYERS = 3;

    private final Net net;

    public ToyModel(Net net) {
        this.net = net;
    }

    /** A structure with no arrays. */
    public static ToyModel structure() {
        return new ToyModel(new Net());
    }

    /** A model with deterministic random weights. */
    public static ToyModel random(NDManager manager, long seed) {
        ToyModel m = structure();
        Weights.initRandom(m.net, manager, seed, 0.5f);
        return m;
    }

    /**
     * The network's outputs for a copy of {@code input}, computed in a scope that is closed after
     * (so nothing lands in the model's or the input's manager).
     */
    public static float[] outputs(Net net, NDArray input) {
        try (NDManager scope = input.getManager().newSubManager()) {
            NDArray x = input.duplicate();
            x.attach(scope);
            return net.forward(x).toFloatArray();
        }
    }

    @Override
    public Net model() {
        return net;
    }

    @Override
    public HfBlock root() {
        return net;
    }

    @Override
    public Set<String> modulesOf(Component component) {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < LAYERS; i++) {
            String p = "encoder.layer." + i + ".";
            switch (component) {
                case QFORMER_SELF_ATTN:
                    out.add(p + "attention.query");
                    out.add(p + "attention.value");
                    break;
                case QFORMER_CROSS_ATTN:
                    if (i % 2 == 0) {
                        out.add(p + "attention.key");
                    }
                    break;
                case QFORMER_FFN:
                    out.add(p + "ffn.fc1");
                    out.add(p + "ffn.fc2");
                    break;
                default:
                    break;
            }
        }
        if (component == Component.QUERY_TOKENS) {
            out.add("query_tokens");
        }
        if (component == Component.LANGUAGE_PROJECTION) {
            out.add("proj");
        }
        return out;
    }

    @Override
    public AdaptableModel<Net> newStructure() {
        return structure();
    }

    @Override
    public Optional<ModelConfig> config() {
        return Optional.of(new ModelConfig() {
            @Override
            public String modelType() {
                return "toy";
            }

            @Override
            public ObjectNode toJson() {
                ObjectNode n = Json.mapper().createObjectNode();
                n.put("model_type", "toy");
                n.put("hidden_size", HIDDEN);
                return n;
            }
        });
    }

    @Override
    public Optional<String> nameOrPath() {
        return Optional.of("toy/model");
    }

    /**
     * Loss of prompts whose {@code input} is {@value #IN} numbers and whose {@code target} is a
     * class index in [0, {@value #OUT}): mean cross-entropy of the output at the single position.
     */
    @Override
    public NDArray loss(Net model, List<Prompt> batch, NDManager scope) {
        float[] x = new float[batch.size() * IN];
        List<Integer> labels = new ArrayList<>();
        for (int b = 0; b < batch.size(); b++) {
            String[] parts = batch.get(b).input().trim().split("\\s+");
            for (int i = 0; i < IN; i++) {
                x[b * IN + i] = Float.parseFloat(parts[i]);
            }
            labels.add(Integer.parseInt(batch.get(b).target().orElseThrow()));
        }
        NDArray input = scope.create(x, new Shape(batch.size(), 1, IN));
        NDArray logits = model.forward(input).reshape(batch.size(), OUT);
        NDArray logp = logits.logSoftmax(-1);
        NDArray picked = logp.get(new NDIndex("{}, {}", scope.arange(batch.size()), scope.create(labels.stream().mapToLong(Integer::longValue).toArray())));
        return picked.mean().neg();
    }

    /** The toy network. */
    public static final class Net extends HfBlock {
        final Linear embed;
        final Encoder encoder;
        final Linear proj;

        Net() {
            embed = child("embed", new Linear(IN, HIDDEN, true));
            encoder = child("encoder", new Encoder());
            declareParameter("query_tokens", Parameter.Type.WEIGHT, new Shape(1, 1, HIDDEN));
            proj = child("proj", new Linear(HIDDEN, OUT, true));
        }

        /** {@code x [b, n, IN]} to {@code [b, n, OUT]}. */
        public NDArray forward(NDArray x) {
            return proj.forward(hidden(x));
        }

        /** The hidden states {@code [b, n, HIDDEN]} that {@code proj} reads. */
        public NDArray hidden(NDArray x) {
            NDArray h = embed.forward(x);
            h = h.add(array("query_tokens"));
            for (Layer layer : encoder.layer.items()) {
                h = layer.forward(h);
            }
            return h;
        }
    }

    static final class Encoder extends HfBlock {
        final HfBlockList<Layer> layer;

        Encoder() {
            layer = child("layer", new HfBlockList<>(LAYERS, Layer::new));
        }
    }

    static final class Layer extends HfBlock {
        final Attention attention;
        final Ffn ffn;
        final LayerNorm norm;

        Layer(int index) {
            attention = child("attention", new Attention(index % 2 == 0));
            ffn = child("ffn", new Ffn());
            norm = child("norm", new LayerNorm(HIDDEN, 1e-5f));
        }

        NDArray forward(NDArray h) {
            NDArray a = attention.value.forward(attention.query.forward(h));
            if (attention.key != null) {
                a = a.add(attention.key.forward(h));
            }
            h = norm.forward(h.add(a));
            return h.add(ffn.fc2.forward(Activation.gelu(ffn.fc1.forward(h))));
        }
    }

    static final class Attention extends HfBlock {
        final Linear query;
        final Linear value;
        final Linear key;

        Attention(boolean withKey) {
            query = child("query", new Linear(HIDDEN, HIDDEN, true));
            value = child("value", new Linear(HIDDEN, HIDDEN, false));
            key = withKey ? child("key", new Linear(HIDDEN, HIDDEN, true)) : null;
        }
    }

    static final class Ffn extends HfBlock {
        final Linear fc1;
        final Linear fc2;

        Ffn() {
            fc1 = child("fc1", new Linear(HIDDEN, FFN, true));
            fc2 = child("fc2", new Linear(FFN, HIDDEN, true));
        }
    }
}
