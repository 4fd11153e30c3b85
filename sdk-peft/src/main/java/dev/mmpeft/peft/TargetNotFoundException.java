package dev.mmpeft.peft;

import java.util.List;

/**
 * A target (a component, a module name or a pattern) that matches no module of the model. The
 * message lists the closest module names, so a typo ({@code querry}) is fixed at a glance.
 */
public final class TargetNotFoundException extends PeftException {
    private static final long serialVersionUID = 1L;
    private final String target;
    private final List<String> closest;

    public TargetNotFoundException(String target, String what, List<String> closest) {
        super(
                "target "
                        + target
                        + " matches no "
                        + what
                        + " of the model"
                        + (closest.isEmpty() ? "" : "; closest module names: " + String.join(", ", closest)));
        this.target = target;
        this.closest = List.copyOf(closest);
    }

    /** The target as the user gave it. */
    public String target() {
        return target;
    }

    /** The module names closest to the target (edit distance), best first. */
    public List<String> closest() {
        return closest;
    }
}
