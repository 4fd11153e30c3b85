package dev.mmpeft.peft;

import org.jspecify.annotations.Nullable;

/**
 * A handle from {@link PeftModel#disableAdapters()} that turns the adapters back on when closed
 * (once; closing again does nothing). Use with try-with-resources.
 */
public final class AdaptersDisabled implements AutoCloseable {
    private @Nullable Runnable enable;

    AdaptersDisabled(Runnable enable) {
        this.enable = enable;
    }

    @Override
    public void close() {
        if (enable != null) {
            enable.run();
            enable = null;
        }
    }
}
