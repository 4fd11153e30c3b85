package dev.mmpeft.peft;

import org.jspecify.annotations.Nullable;

/**
 * A handle from {@link PeftModel#routeRows} that ends per-row routing when closed (once; closing
 * again does nothing), so the model computes with its active adapter again. Use with
 * try-with-resources around the forward passes, generation or scoring of one batch.
 */
public final class RowRouting implements AutoCloseable {
    private @Nullable Runnable end;

    RowRouting(Runnable end) {
        this.end = end;
    }

    @Override
    public void close() {
        if (end != null) {
            end.run();
            end = null;
        }
    }
}
