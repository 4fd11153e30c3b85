package dev.mmpeft.core.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.train.TrainingException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.immutables.value.Value;

/**
 * AdamW exactly as {@code torch.optim.AdamW} computes it (single-tensor path, amsgrad off): per
 * tensor and step {@code t}, decoupled decay {@code p *= 1 - lr*wd}; moments
 * {@code m = lerp(m, g, 1-beta1)}, {@code v = beta2*v + (1-beta2)*g*g}; then
 * {@code p -= (lr / (1-beta1^t)) * m / (sqrt(v) / sqrt(1-beta2^t) + eps)}. Defaults are PyTorch's:
 * betas (0.9, 0.999), eps 1e-8, weight decay 0.01.
 *
 * <p>Weight decay applies per {@link #decayGroups()}, LAVIS's two parameter groups by default
 * (no decay on biases and norm weights).
 *
 * <pre>{@code AdamW.lr(5e-4).weightDecay(0.05)}</pre>
 */
@Value.Immutable
public abstract class AdamW implements OptimizerSpec {
    @Override
    public abstract double lr();

    @Value.Default
    public double beta1() {
        return 0.9;
    }

    @Value.Default
    public double beta2() {
        return 0.999;
    }

    @Value.Default
    public double eps() {
        return 1e-8;
    }

    @Value.Default
    public double weightDecay() {
        return 0.01;
    }

    /** Which tensors decay; LAVIS's groups by default. */
    @Value.Default
    public WeightDecayGroups decayGroups() {
        return WeightDecayGroups.lavis();
    }

    /** AdamW with base learning rate {@code lr} and PyTorch's other defaults. */
    public static AdamW lr(double lr) {
        return builder().lr(lr).build();
    }

    /** A copy with weight decay {@code wd}. */
    public AdamW weightDecay(double wd) {
        return toBuilder().weightDecay(wd).build();
    }

    /** A copy with betas ({@code beta1}, {@code beta2}). */
    public AdamW betas(double beta1, double beta2) {
        return toBuilder().beta1(beta1).beta2(beta2).build();
    }

    /** A copy with epsilon {@code eps}. */
    public AdamW eps(double eps) {
        return toBuilder().eps(eps).build();
    }

    /** A copy with other decay groups (e.g. {@link WeightDecayGroups#all()}). */
    public AdamW decayGroups(WeightDecayGroups groups) {
        return toBuilder().decayGroups(groups).build();
    }

    @Value.Check
    protected void check() {
        TrainingException.check(lr() >= 0 && Double.isFinite(lr()), "AdamW.lr", lr(), "a finite number >= 0");
        TrainingException.check(beta1() >= 0 && beta1() < 1, "AdamW.beta1", beta1(), "in [0, 1)");
        TrainingException.check(beta2() >= 0 && beta2() < 1, "AdamW.beta2", beta2(), "in [0, 1)");
        TrainingException.check(eps() >= 0, "AdamW.eps", eps(), ">= 0");
        TrainingException.check(weightDecay() >= 0, "AdamW.weightDecay", weightDecay(), ">= 0");
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", "adamw");
        out.put("lr", lr());
        out.put("betas", java.util.List.of(beta1(), beta2()));
        out.put("eps", eps());
        out.put("weight_decay", weightDecay());
        decayGroups().describeInto(out);
        return out;
    }

    @Override
    public Optimizer create(Map<String, NDArray> parameters) {
        return new Running(this, parameters);
    }

    private static final class Running extends Optimizer {
        private final AdamW spec;
        private final Map<String, Double> decay;

        Running(AdamW spec, Map<String, NDArray> parameters) {
            super(parameters);
            this.spec = spec;
            this.decay = spec.decayGroups().rates(parameters, spec.weightDecay());
        }

        @Override
        public String kind() {
            return "adamw";
        }

        @Override
        protected String[] stateNames() {
            return new String[] {"exp_avg", "exp_avg_sq"};
        }

        @Override
        protected void update(String name, NDArray p, NDArray g, double lr, long t, NDManager scope) {
            double beta1 = spec.beta1();
            double beta2 = spec.beta2();
            NDArray m = state(name, "exp_avg", p);
            NDArray v = state(name, "exp_avg_sq", p);
            // decoupled decay (torch multiplies even by 1 - lr*0 = 1, which changes nothing)
            double wd = decay.get(name);
            if (wd != 0) {
                p.muli(scalar(1 - lr * wd, p));
            }
            // m.lerp_(g, 1 - beta1) == m + (1 - beta1) * (g - m)
            m.addi(scoped(g.sub(m), scope).muli(scalar(1 - beta1, p)));
            // v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            v.muli(scalar(beta2, p)).addi(scoped(g.mul(g), scope).muli(scalar(1 - beta2, p)));
            double bc1 = 1 - Math.pow(beta1, t);
            double bc2 = 1 - Math.pow(beta2, t);
            double stepSize = lr / bc1;
            NDArray denom = scoped(v.sqrt(), scope).divi(scalar(Math.sqrt(bc2), p)).addi(scalar(spec.eps(), p));
            // p.addcdiv_(m, denom, value=-step_size)
            p.addi(scoped(m.div(denom), scope).muli(scalar(-stepSize, p)));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link AdamW}; {@code build()} validates it. */
    public static class Builder extends ImmutableAdamW.Builder {}
}
