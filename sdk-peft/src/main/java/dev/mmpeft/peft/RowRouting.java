package dev.mmpeft.peft;

import dev.mmpeft.models.generation.RowRetention;
import dev.mmpeft.peft.spi.RowRoutes;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A handle from {@link PeftModel#routeRows} that ends per-row routing when closed (once; closing
 * again does nothing), so the model computes with its active adapter again. Use with
 * try-with-resources around the forward passes, generation or scoring of one batch.
 *
 * <p>It is also the {@link RowRetention} of that batch's greedy generation: pass it to
 * {@code generate} and the routes follow the batch as finished rows leave it.
 */
public final class RowRouting implements AutoCloseable, RowRetention {
    private final RowRoutes routes;
    private final Consumer<RowRoutes> reroute;
    private @Nullable Runnable end;

    RowRouting(RowRoutes routes, Consumer<RowRoutes> reroute, Runnable end) {
        this.routes = routes;
        this.reroute = reroute;
        this.end = end;
    }

    /**
     * From now on the batch holds only these examples of the routed batch (indices into it,
     * ascending), each still computed with its own adapter.
     *
     * @throws PeftException when the routing is closed or an index is out of the batch
     */
    @Override
    public void retain(long[] examples) {
        if (end == null) {
            throw new PeftException("row routing: retain after close");
        }
        reroute.accept(routes.subset(examples));
    }

    @Override
    public void close() {
        if (end != null) {
            end.run();
            end = null;
        }
    }
}
