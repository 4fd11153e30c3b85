package dev.mmpeft.peft.spi;

import dev.mmpeft.peft.PeftException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Which adapter computes each example of a batch (or none), for a forward pass that mixes adapters
 * in one batch. Why: a service over one base model batches requests for different adapters, as
 * S-LoRA and LoRAX do, and each row must come out as if it had run alone with its adapter.
 *
 * <p>A layer may see more rows than the batch has examples: beam search repeats each example
 * {@code num_beams} times, candidate scoring once per candidate, a flattened {@code [batch * seq, in]}
 * input once per position. The models lay such rows out example-major, as transformers'
 * {@code repeat_interleave} does ({@code LanguageModel#startDecoding}: row {@code b * expand + j} is
 * example {@code b}), so with {@code N} rows for {@code B} examples row {@code r} belongs to example
 * {@code r / (N / B)}. A row count that is not a multiple of the examples is an error, never a guess.
 */
public final class RowRoutes {
    private final List<Optional<String>> examples;
    private final Set<String> adapters;

    private RowRoutes(List<Optional<String>> examples) {
        this.examples = examples;
        Set<String> names = new LinkedHashSet<>();
        examples.forEach(a -> a.ifPresent(names::add));
        this.adapters = Collections.unmodifiableSet(names);
    }

    /**
     * Routes of a batch: the adapter of each example in batch order, null for an example computed
     * without adapters.
     *
     * @throws PeftException for an empty batch
     */
    public static RowRoutes of(List<? extends @Nullable String> adapterPerExample) {
        if (adapterPerExample.isEmpty()) {
            throw new PeftException("row routes: the batch has no examples");
        }
        List<Optional<String>> out = new ArrayList<>();
        for (String a : adapterPerExample) {
            out.add(Optional.ofNullable(a));
        }
        return new RowRoutes(Collections.unmodifiableList(out));
    }

    /**
     * The routes of some examples of this batch, in the order given (the rows a batch keeps when
     * others have finished decoding).
     *
     * @throws PeftException for no example or an index outside this batch
     */
    public RowRoutes subset(long[] keep) {
        if (keep.length == 0) {
            throw new PeftException("row routes: a batch keeps at least one example");
        }
        List<Optional<String>> out = new ArrayList<>();
        for (long e : keep) {
            if (e < 0 || e >= examples.size()) {
                throw new PeftException("row routes: example " + e + " is not in this batch of " + examples.size());
            }
            out.add(examples.get((int) e));
        }
        return new RowRoutes(Collections.unmodifiableList(out));
    }

    /** The number of examples in the batch. */
    public int examples() {
        return examples.size();
    }

    /** The adapter of an example, empty when it computes without adapters. */
    public Optional<String> adapter(int example) {
        return examples.get(example);
    }

    /** The adapters the batch uses, in order of first use. */
    public Set<String> adapters() {
        return adapters;
    }

    /** The adapters the batch uses that {@code holds} accepts (a layer's own), in order of first use. */
    public List<String> adaptersIn(Predicate<String> holds) {
        List<String> out = new ArrayList<>();
        for (String a : adapters) {
            if (holds.test(a)) {
                out.add(a);
            }
        }
        return out;
    }

    /** The one adapter (or none) every example uses, when they all use the same. */
    public Optional<Optional<String>> uniform() {
        Optional<String> first = examples.get(0);
        for (Optional<String> a : examples) {
            if (!a.equals(first)) {
                return Optional.empty();
            }
        }
        return Optional.of(first);
    }

    /**
     * How many rows of {@code rows} each example spans.
     *
     * @throws PeftException when {@code rows} is not a multiple of the examples
     */
    public int rowsPerExample(long rows) {
        if (rows <= 0 || rows % examples.size() != 0) {
            throw new PeftException("row routes: a layer received " + rows + " rows for a batch of " + examples.size()
                    + " examples; expected a multiple of " + examples.size() + " laid out example by example");
        }
        return (int) (rows / examples.size());
    }

    /** The rows of {@code rows} that {@code adapter} computes (all of its examples' rows), ascending. */
    public long[] rows(String adapter, long rows) {
        int per = rowsPerExample(rows);
        List<Long> out = new ArrayList<>();
        for (int e = 0; e < examples.size(); e++) {
            if (examples.get(e).filter(adapter::equals).isPresent()) {
                for (int j = 0; j < per; j++) {
                    out.add((long) e * per + j);
                }
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * For each of {@code rows} rows, the position in {@code names} of its example's adapter, or
     * {@code names.size()} for a row whose adapter is not in {@code names} (or that has none). Why:
     * a layer that computes every row in one batched operation gathers per-row weights with it.
     *
     * @throws PeftException when {@code rows} is not a multiple of the examples
     */
    public long[] slotPerRow(List<String> names, long rows) {
        int per = rowsPerExample(rows);
        long[] out = new long[(int) rows];
        for (int e = 0; e < examples.size(); e++) {
            int slot = examples.get(e).map(names::indexOf).filter(i -> i >= 0).orElse(names.size());
            for (int j = 0; j < per; j++) {
                out[e * per + j] = slot;
            }
        }
        return out;
    }

    @Override
    public String toString() {
        List<String> names = new ArrayList<>();
        examples.forEach(a -> names.add(a.orElse("-")));
        return "RowRoutes" + names;
    }
}
