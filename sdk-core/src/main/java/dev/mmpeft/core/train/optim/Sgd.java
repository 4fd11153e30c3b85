package dev.mmpeft.core.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.train.TrainingException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.immutables.value.Value;

/**
 * Stochastic gradient descent exactly as {@code torch.optim.SGD} computes it: L2 weight decay
 * added to the gradient ({@code d = g + wd*p}, per {@link #decayGroups()}), optional momentum
 * with the buffer initialised to the first {@code d} and then {@code buf = momentum*buf +
 * (1-dampening)*d}, optional Nesterov ({@code d += momentum*buf}), then {@code p -= lr*d}.
 */
@Value.Immutable
public abstract class Sgd implements OptimizerSpec {
    @Override
    public abstract double lr();

    @Value.Default
    public double momentum() {
        return 0;
    }

    @Value.Default
    public double dampening() {
        return 0;
    }

    @Value.Default
    public boolean nesterov() {
        return false;
    }

    @Value.Default
    public double weightDecay() {
        return 0;
    }

    /** Which tensors decay; LAVIS's groups by default. */
    @Value.Default
    public WeightDecayGroups decayGroups() {
        return WeightDecayGroups.lavis();
    }

    /** Plain SGD with learning rate {@code lr}. */
    public static Sgd lr(double lr) {
        return builder().lr(lr).build();
    }

    /** A copy with momentum. */
    public Sgd momentum(double momentum) {
        return toBuilder().momentum(momentum).build();
    }

    /** A copy with Nesterov momentum on or off. */
    public Sgd nesterov(boolean nesterov) {
        return toBuilder().nesterov(nesterov).build();
    }

    /** A copy with L2 weight decay {@code wd}. */
    public Sgd weightDecay(double wd) {
        return toBuilder().weightDecay(wd).build();
    }

    @Value.Check
    protected void check() {
        TrainingException.check(lr() >= 0 && Double.isFinite(lr()), "Sgd.lr", lr(), "a finite number >= 0");
        TrainingException.check(momentum() >= 0, "Sgd.momentum", momentum(), ">= 0");
        TrainingException.check(weightDecay() >= 0, "Sgd.weightDecay", weightDecay(), ">= 0");
        TrainingException.check(
                !nesterov() || (momentum() > 0 && dampening() == 0),
                "Sgd.nesterov",
                "true with momentum " + momentum() + " and dampening " + dampening(),
                "used with momentum > 0 and dampening 0 (as PyTorch requires)");
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", "sgd");
        out.put("lr", lr());
        out.put("momentum", momentum());
        out.put("dampening", dampening());
        out.put("nesterov", nesterov());
        out.put("weight_decay", weightDecay());
        decayGroups().describeInto(out);
        return out;
    }

    @Override
    public Optimizer create(Map<String, NDArray> parameters) {
        return new Running(this, parameters);
    }

    private static final class Running extends Optimizer {
        private final Sgd spec;
        private final Map<String, Double> decay;

        Running(Sgd spec, Map<String, NDArray> parameters) {
            super(parameters);
            this.spec = spec;
            this.decay = spec.decayGroups().rates(parameters, spec.weightDecay());
        }

        @Override
        public String kind() {
            return "sgd";
        }

        @Override
        protected String[] stateNames() {
            return new String[] {"momentum_buffer"};
        }

        @Override
        protected void update(String name, NDArray p, NDArray g, double lr, long t, NDManager scope) {
            NDArray d = g;
            double wd = decay.get(name);
            if (wd != 0) {
                d = scoped(g.add(scoped(p.mul(wd), scope)), scope);
            }
            double momentum = spec.momentum();
            if (momentum != 0) {
                NDArray buf;
                if (!hasState(name, "momentum_buffer")) {
                    buf = d.add(0); // a copy: torch.clone(d_p).detach()
                    putState(name, "momentum_buffer", buf);
                } else {
                    buf = state(name, "momentum_buffer", p);
                    buf.muli(momentum).addi(scoped(d.mul(1 - spec.dampening()), scope));
                }
                if (spec.nesterov()) {
                    d = scoped(d.add(scoped(buf.mul(momentum), scope)), scope);
                } else {
                    d = buf;
                }
            }
            // d may be the momentum buffer (owned by the optimizer): keep the product in the scope
            p.addi(scoped(d.mul(-lr), scope));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link Sgd}; {@code build()} validates it. */
    public static class Builder extends ImmutableSgd.Builder {}
}
