package dev.mmpeft.models.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntFunction;

/**
 * An indexed list of blocks, named {@code 0}, {@code 1}, ... as PyTorch's {@code nn.ModuleList}
 * names them ({@code encoder.layer.3.output.dense}).
 */
public final class HfBlockList<B extends HfBlock> extends HfBlock {
    private final List<B> items = new ArrayList<>();

    /** Builds {@code count} blocks with {@code factory.apply(i)}. */
    public HfBlockList(int count, IntFunction<B> factory) {
        for (int i = 0; i < count; i++) {
            items.add(child(Integer.toString(i), factory.apply(i)));
        }
    }

    public B get(int index) {
        return items.get(index);
    }

    public int size() {
        return items.size();
    }

    /** The blocks in order. */
    public List<B> items() {
        return Collections.unmodifiableList(items);
    }
}
