package dev.mmpeft.peft.spi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.function.Predicate;

/**
 * Applies a layer's per-adapter computation to the rows each adapter owns under {@link RowRoutes}:
 * the rows of one adapter are gathered, computed together, and put back in place; rows of adapters
 * the layer does not hold (and rows without adapter) keep the base output. Why a helper: every
 * method that routes rows (LoRA, DoRA, IA3) needs exactly this bookkeeping, and gathering by row
 * keeps the result exact (each row sees only its own adapter's arithmetic, nothing is multiplied
 * by zero).
 */
public final class RowGroups {
    /** One adapter's computation on its rows. */
    @FunctionalInterface
    public interface GroupFunction {
        /**
         * The adapted output of the gathered rows.
         *
         * @param adapter the adapter of these rows
         * @param input the rows' input
         * @param output the rows' base output (or the rows' input, for an input rewrite)
         */
        NDArray apply(String adapter, NDArray input, NDArray output);
    }

    private RowGroups() {}

    /**
     * {@code output} with the rows of every adapter that {@code holds} accepts replaced by
     * {@code f} on those rows ({@code input} and {@code output} have the same rows, axis 0).
     */
    public static NDArray apply(RowRoutes routes, Predicate<String> holds, NDArray input, NDArray output, GroupFunction f) {
        List<String> names = routes.adaptersIn(holds);
        if (names.isEmpty()) {
            return output;
        }
        long rows = output.getShape().get(0);
        routes.rowsPerExample(rows);
        if (names.size() == 1 && routes.uniform().isPresent()) {
            return f.apply(names.get(0), input, output);
        }
        NDManager scope = output.getManager();
        boolean[] taken = new boolean[(int) rows];
        long[] order = new long[(int) rows];
        int placed = 0;
        NDList parts = new NDList();
        for (String name : names) {
            long[] own = routes.rows(name, rows);
            NDArray index = scope.create(own);
            parts.add(f.apply(name, input.get(index), output.get(index)));
            for (long r : own) {
                taken[(int) r] = true;
                order[placed++] = r;
            }
        }
        if (placed < rows) {
            long[] rest = new long[(int) rows - placed];
            int k = 0;
            for (int r = 0; r < rows; r++) {
                if (!taken[r]) {
                    rest[k++] = r;
                    order[placed++] = r;
                }
            }
            parts.add(output.get(scope.create(rest)));
        }
        NDArray grouped = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
        long[] inverse = new long[(int) rows];
        for (int i = 0; i < rows; i++) {
            inverse[(int) order[i]] = i;
        }
        return grouped.get(scope.create(inverse));
    }
}
