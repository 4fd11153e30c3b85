package dev.mmpeft.samples.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.io.Json;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Where a training step's time goes, by operator family, from PyTorch's own profiler (which DJL
 * exposes as {@code JniUtils.startProfile/stopProfile}, writing a Chrome trace): each operator's
 * self time (its duration less its children's), summed per family (matmul, attention, norms,
 * activations, elementwise, copies and layout, reductions, optimizer, autograd bookkeeping, other),
 * and what no operator covers: the Java side, JNI crossings and allocation between operators. Why:
 * the step-efficiency work needs to know what is not arithmetic before removing it.
 *
 * @param wallSeconds the wall time of the profiled region
 * @param opSeconds per family, the operators' self time (seconds) in the order families are listed
 * @param opCounts per family, how many operators ran
 * @param topOps the operator names with the most self time, with their seconds
 */
public record OpProfile(double wallSeconds, Map<String, Double> opSeconds, Map<String, Long> opCounts, Map<String, Double> topOps) {
    /** Families in reporting order, each with the pattern of the operator names it holds (first match wins). */
    private static final Map<String, Pattern> FAMILIES = families();

    private static Map<String, Pattern> families() {
        Map<String, Pattern> m = new LinkedHashMap<>();
        m.put("matmul", Pattern.compile("aten::(mm|addmm|bmm|baddbmm|matmul|linear|addbmm|_addmm_activation|einsum|conv\\w*|_convolution\\w*)"));
        m.put("attention", Pattern.compile("aten::(_?softmax\\w*|_softmax_backward_data|scaled_dot_product\\w*|_scaled_dot\\w*|masked_fill\\w*)"));
        m.put("norms", Pattern.compile("aten::(\\w*layer_norm\\w*|rsqrt|pow|mean|var\\w*|\\w*rms\\w*)"));
        m.put("activations", Pattern.compile("aten::(gelu\\w*|tanh\\w*|silu\\w*|sigmoid\\w*|relu\\w*|threshold_backward)"));
        m.put("copies/layout", Pattern.compile("aten::(copy_|clone|contiguous|to|_to_copy|cat|stack|index\\w*|gather|scatter\\w*|embedding\\w*"
                + "|transpose|permute|view|reshape|_reshape_alias|expand|t|select|slice|narrow|split\\w*|unsqueeze|squeeze\\w*"
                + "|as_strided\\w*|flatten|unbind|repeat\\w*|empty\\w*|zeros\\w*|ones\\w*|full\\w*|fill_|zero_|detach\\w*|resize_|_unsafe_view"
                + "|new_\\w*|set_|alias|lift\\w*|where)"));
        m.put("reductions", Pattern.compile("aten::(sum\\w*|max\\w*|min\\w*|norm\\w*|linalg\\w*|_log_softmax\\w*|log_softmax\\w*"
                + "|nll_loss\\w*|cross_entropy\\w*|argmax|amax|logsumexp)"));
        m.put("elementwise", Pattern.compile("aten::(add\\w*|sub\\w*|mul\\w*|div\\w*|neg|exp\\w*|log\\w*|sqrt\\w*|abs|clamp\\w*|lerp\\w*"
                + "|maximum|minimum|eq|ne|lt|gt|le|ge|bitwise\\w*|logical\\w*|erf\\w*|rsub|reciprocal\\w*|addcmul\\w*|addcdiv\\w*"
                + "|_foreach\\w*|sign|floor\\w*|ceil|round)"));
        m.put("autograd", Pattern.compile("(autograd::|torch::autograd|\\w*Backward\\d*|AccumulateGrad|aten::(ones_like|zeros_like|empty_like))"));
        m.put("other", Pattern.compile(".*"));
        return m;
    }

    /** Runs {@code region} under PyTorch's profiler, writes the Chrome trace to {@code trace} and returns the summary. */
    public static OpProfile record(Path trace, Runnable region) {
        // -Dmmpeft.profile.shapes=true records each operator's input shapes in the trace ("shape"),
        // which tells one matmul from another; off by default, since it adds to every operator's cost
        JniUtils.startProfile(false, Boolean.getBoolean("mmpeft.profile.shapes"), false);
        long t0 = System.nanoTime();
        try {
            region.run();
        } finally {
            JniUtils.stopProfile(trace.toAbsolutePath().toString());
        }
        return summarize(Json.read(trace), (System.nanoTime() - t0) / 1e9);
    }

    /** A family's name for an operator name. */
    static String family(String op) {
        for (Map.Entry<String, Pattern> e : FAMILIES.entrySet()) {
            if (e.getValue().matcher(op).matches()) {
                return e.getKey();
            }
        }
        return "other";
    }

    /**
     * The summary of a Chrome trace ({@code traceEvents} or a bare array of complete events, times in
     * microseconds): per thread, each event's self time is its duration less that of the events
     * nested in it.
     */
    static OpProfile summarize(JsonNode trace, double wallSeconds) {
        JsonNode events = trace.isArray() ? trace : trace.path("traceEvents");
        if (!events.isArray()) {
            throw new MmpeftException("profiler trace: no traceEvents array; found " + trace.getNodeType());
        }
        record Event(String name, long tid, double start, double end) {}
        Map<Long, List<Event>> byThread = new TreeMap<>();
        for (JsonNode e : events) {
            if (!"X".equals(e.path("ph").asText()) || !e.has("dur")) {
                continue;
            }
            double ts = e.path("ts").asDouble();
            byThread.computeIfAbsent(e.path("tid").asLong(), k -> new ArrayList<>())
                    .add(new Event(e.path("name").asText(), e.path("tid").asLong(), ts, ts + e.path("dur").asDouble()));
        }
        Map<String, Double> seconds = new LinkedHashMap<>();
        Map<String, Long> counts = new LinkedHashMap<>();
        FAMILIES.keySet().forEach(f -> {
            seconds.put(f, 0.0);
            counts.put(f, 0L);
        });
        Map<String, Double> perOp = new TreeMap<>();
        for (List<Event> list : byThread.values()) {
            list.sort(Comparator.comparingDouble(Event::start).thenComparing(Comparator.comparingDouble(Event::end).reversed()));
            Deque<Event> open = new ArrayDeque<>();
            Map<Event, Double> childTime = new java.util.IdentityHashMap<>();
            List<Event> done = new ArrayList<>();
            for (Event e : list) {
                while (!open.isEmpty() && open.peek().end() <= e.start()) {
                    done.add(open.pop());
                }
                if (!open.isEmpty()) {
                    childTime.merge(open.peek(), e.end() - e.start(), Double::sum);
                }
                open.push(e);
            }
            done.addAll(open);
            for (Event e : done) {
                double self = Math.max(0, e.end() - e.start() - childTime.getOrDefault(e, 0.0)) / 1e6;
                String f = family(e.name());
                seconds.merge(f, self, Double::sum);
                counts.merge(f, 1L, Long::sum);
                perOp.merge(e.name(), self, Double::sum);
            }
        }
        Map<String, Double> top = new LinkedHashMap<>();
        perOp.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(12)
                .forEach(e -> top.put(e.getKey(), e.getValue()));
        return new OpProfile(wallSeconds, seconds, counts, top);
    }

    /** Seconds no operator covers (Java, JNI crossings, allocation): the wall time less every operator's self time. */
    public double outsideOpsSeconds() {
        return Math.max(0, wallSeconds - opSeconds.values().stream().mapToDouble(Double::doubleValue).sum());
    }

    /** A Markdown table: family, seconds, share of the wall time, operator count; then the top operators. */
    public String markdown() {
        StringBuilder sb = new StringBuilder("| op family | seconds | share | ops |\n|---|---:|---:|---:|\n");
        opSeconds.forEach((f, s) -> sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.1f%% | %,d |%n", f, s, 100 * s / wallSeconds,
                opCounts.get(f))));
        sb.append(String.format(Locale.ROOT, "| outside operators (Java, JNI, allocation) | %.3f | %.1f%% | |%n", outsideOpsSeconds(),
                100 * outsideOpsSeconds() / wallSeconds));
        sb.append(String.format(Locale.ROOT, "| wall | %.3f | 100%% | %,d |%n%n", wallSeconds,
                opCounts.values().stream().mapToLong(Long::longValue).sum()));
        sb.append("| operator | self seconds |\n|---|---:|\n");
        topOps.forEach((op, s) -> sb.append(String.format(Locale.ROOT, "| `%s` | %.3f |%n", op, s)));
        return sb.toString();
    }
}
