package dev.mmpeft.models.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The named hooks of one kind that a block holds (prefixes on a stack, output adapters on an
 * attention block): attach (a hook that is an {@link HfBlock} also becomes a child of the block,
 * so its parameters carry the block's name), detach, and the single active one.
 *
 * @param <T> the hook type
 */
public final class Hooks<T> {
    private final Map<String, T> hooks = new LinkedHashMap<>();
    private final Predicate<T> isActive;

    /** Hooks whose activity {@code isActive} tells. */
    public Hooks(Predicate<T> isActive) {
        this.isActive = isActive;
    }

    /**
     * Adds a hook under {@code name}; {@code addChild} is the owning block's {@code child} method.
     *
     * @throws IllegalStateException when the name is taken
     */
    public void attach(String name, T hook, BiConsumer<String, HfBlock> addChild) {
        if (hooks.containsKey(name)) {
            throw new IllegalStateException("a hook named '" + name + "' is already attached");
        }
        hooks.put(name, hook);
        if (hook instanceof HfBlock) {
            addChild.accept(name, (HfBlock) hook);
        }
    }

    /** Removes a hook (and its child block); returns whether one was attached under that name. */
    public boolean detach(String name, Consumer<String> removeChild) {
        T removed = hooks.remove(name);
        if (removed instanceof HfBlock) {
            removeChild.accept(name);
        }
        return removed != null;
    }

    /** The attached hooks by name, in order (a read-only view). */
    public Map<String, T> byName() {
        return java.util.Collections.unmodifiableMap(hooks);
    }

    /**
     * The one active hook, null when none.
     *
     * @throws IllegalStateException when two are active (their order is not defined)
     */
    public @Nullable T active() {
        if (hooks.isEmpty()) {
            return null;
        }
        T found = null;
        for (T h : hooks.values()) {
            if (isActive.test(h)) {
                if (found != null) {
                    throw new IllegalStateException("two hooks are active on one block: " + hooks.keySet());
                }
                found = h;
            }
        }
        return found;
    }
}
