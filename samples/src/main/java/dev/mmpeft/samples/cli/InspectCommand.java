package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.BertConfig;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.experiments.AdaptationMethod;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.MethodOption;
import dev.mmpeft.experiments.StandardMethods;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.TargetingBuilder;
import dev.mmpeft.peft.dma.DmaConfig;
import dev.mmpeft.peft.ParameterReport;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftBuilder;
import dev.mmpeft.peft.PeftConfig;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsFile;
import dev.mmpeft.core.safetensors.TensorInfo;
import dev.mmpeft.models.bert.BertModel;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.t5.T5Model;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./mmpeft inspect PATH}: what a checkpoint holds, without loading it. Every tensor with its
 * dtype, shape and parameter count, grouped by top-level module with subtotals, the file's
 * metadata, and the exact total.
 *
 * <p>One method per kind of input ({@link #inspectCheckpoint}, {@link #inspectConfig}), chosen in
 * {@link #call()}, so that other kinds (a {@code config.json} with structural counts per part)
 * and options (a LoRA rank and targets, to count adapter parameters) slot in as small additions.
 */
@Command(
        name = "inspect",
        header = "Lists a checkpoint's tensors, or counts a config's parameters (optionally with a PEFT method).",
        mixinStandardHelpOptions = true,
        description = {
            "Lists the tensors of a checkpoint (name, dtype, shape, parameters) grouped by top-level module,",
            "its metadata and the exact total parameter count. Reads only the headers.",
            "On a config, --method M (lora, dora, ia3, adapter, prefix, adaption-prompt) with its size options,",
            "--target and --train prints the trainable-parameter report of that method, per component.",
        })
public final class InspectCommand implements Callable<Integer> {
    @Parameters(
            index = "0",
            paramLabel = "PATH",
            description = "A checkpoint directory (model.safetensors or sharded with model.safetensors.index.json),"
                    + " a .safetensors file, a shard index, or a config.json (or a directory with only a config.json):"
                    + " structural parameter counts per part, without weights.")
    Path path;

    @Spec CommandSpec spec;

    @Mixin MethodOptions method = new MethodOptions();

    @Option(names = {"--lora-rank", "--rank"}, paramLabel = "R",
            description = "The method's rank: LoRA's r (default 8 when --target is given), DMA's R (default 64). Needs a config.json or model directory.")
    Integer loraRank;

    @Option(names = "--aim", paramLabel = "N", description = "With --method dma: also count AIM's gate for N experts.")
    Integer aim;

    @Option(names = "--sib", description = "With --method dma: also count SIB's temperature.")
    boolean sib;

    @Option(names = {"--lora-alpha", "--alpha"}, paramLabel = "ALPHA", description = "PEFT's lora_alpha for the count (default 8; does not change counts).")
    Double loraAlpha;

    @Option(names = "--target", split = ",", paramLabel = "COMPONENT",
            description = "What the method adapts: components (QFORMER_SELF_ATTN, QFORMER_CROSS_ATTN, QFORMER_FFN, QFORMER_ALL, LLM_ATTN, LLM_FFN, LLM_ALL, VISION_*) or Hugging Face module names, comma-separated.")
    List<String> targets;

    @Option(names = "--train", split = ",", paramLabel = "PART",
            description = "Also count tensors trained in full, e.g. QUERY_TOKENS,LANGUAGE_PROJECTION (the papers' extras) or a module name.")
    List<String> train;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.exists(path)) {
            throw new MmpeftException(path + ": no such file or directory");
        }
        if (method.mmAdapter()) {
            inspectMmAdapter(path, out);
        } else if (method.dma() || aim != null || sib || loraRank != null || loraAlpha != null || targets != null
                || train != null || method.method().isPresent()
                || !method.given(Set.of()).isEmpty() || !method.connectors().isEmpty()) {
            inspectPeft(path, out);
        } else if (isConfigFile(path)) {
            inspectConfig(path, out);
        } else if (Files.isDirectory(path) && Files.isRegularFile(path.resolve("config.json")) && !hasWeights(path)) {
            inspectConfig(path.resolve("config.json"), out);
        } else {
            inspectCheckpoint(path, out);
        }
        out.flush();
        return 0;
    }

    /** Whether a directory holds safetensors weights (single file, shards or an index). */
    static boolean hasWeights(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".safetensors")
                    || p.getFileName().toString().equals(Checkpoint.INDEX_FILE));
        }
    }

    /** A {@code .json} file that is not a shard index: a model's {@code config.json}. */
    static boolean isConfigFile(Path p) {
        String name = p.getFileName().toString();
        return Files.isRegularFile(p) && name.endsWith(".json") && !name.endsWith(".index.json");
    }

    /**
     * Structural counts from a {@code config.json} alone (no weights read, no arrays allocated):
     * per top-level part and in total for InstructBLIP, in total for a bare language model or BERT.
     */
    void inspectConfig(Path config, PrintWriter out) {
        ModelConfig c = Configs.read(config);
        out.printf(Locale.ROOT, "config: %s (model_type %s%s)%n", config, c.modelType(),
                c instanceof InstructBlipConfig ? ", language model " + ((InstructBlipConfig) c).textConfig().modelType() : "");
        out.println("structural parameter counts (from the config alone; no weights read):");
        Map<String, Long> parts = new java.util.LinkedHashMap<>();
        if (c instanceof InstructBlipConfig) {
            parts.putAll(InstructBlip.structuralCount((InstructBlipConfig) c).parts());
        } else if (c instanceof T5Config) {
            parts.put("model", T5Model.fromConfig((T5Config) c).parameterCount());
        } else if (c instanceof LlamaConfig) {
            parts.put("model", LlamaModel.fromConfig((LlamaConfig) c).parameterCount());
        } else if (c instanceof BertConfig) {
            parts.put("model", new BertModel((BertConfig) c).parameterCount());
        } else {
            // any registered multimodal family (llava, lavin, ...) counts its own top-level parts
            parts.putAll(dev.mmpeft.models.family.Models.fromConfig(config).parameterCounts());
        }
        int width = Math.max(5, parts.keySet().stream().mapToInt(String::length).max().orElse(5));
        int countWidth = grouped(parts.values().stream().mapToLong(Long::longValue).sum()).length();
        String row = "  %-" + width + "s  %" + countWidth + "s%n";
        long total = 0;
        for (Map.Entry<String, Long> e : parts.entrySet()) {
            out.printf(Locale.ROOT, row, e.getKey(), grouped(e.getValue()));
            total += e.getValue();
        }
        out.printf(Locale.ROOT, row, "total", grouped(total));
        out.printf(Locale.ROOT, "total parameters: %s%n", grouped(total));
    }

    /**
     * The trainable-parameter report of a PEFT method (LoRA unless {@code --method} says otherwise)
     * on chosen targets of an InstructBLIP config, from the structure alone (no weights allocated):
     * PEFT's summary line and a per-component table.
     */
    void inspectPeft(Path location, PrintWriter out) {
        if (method.dma()) {
            inspectDma(location, out);
            return;
        }
        if (aim != null || sib) {
            throw new ParameterException(spec.commandLine(), "--aim and --sib are PETAL's: add --method dma");
        }
        AdaptationMethod m = method.method().orElse(StandardMethods.LORA);
        Set<MethodOption> given = EnumSet.noneOf(MethodOption.class);
        if (loraRank != null) {
            given.add(MethodOption.RANK);
        }
        if (loraAlpha != null) {
            given.add(MethodOption.ALPHA);
        }
        if (targets != null) {
            given.add(MethodOption.TARGET);
        }
        method.check(List.of(m), given);
        boolean loraLike = m == StandardMethods.LORA || m == StandardMethods.DORA;
        if (loraLike && targets == null && train == null) {
            throw new ParameterException(spec.commandLine(), "--target is required with --lora-rank (for example --target QFORMER_CROSS_ATTN,LLM_FFN)");
        }
        if (!Files.isDirectory(location) && !isConfigFile(location)) {
            throw new MmpeftException(location + ": counting " + MethodOptions.cliName(m) + " parameters needs a config.json or a model directory");
        }
        // checked here so the message names the flag, not the SDK's LoraConfig field
        if (loraRank != null && loraRank < 1) {
            throw new ParameterException(spec.commandLine(), "--lora-rank must be > 0, got " + loraRank);
        }
        if (loraAlpha != null && !Double.isFinite(loraAlpha)) {
            throw new ParameterException(spec.commandLine(), "--lora-alpha must be a finite number, got " + loraAlpha);
        }
        // any registered family (instructblip, llava, lavin): the structure from declared shapes alone
        dev.mmpeft.models.nn.HfModel<?> structure = dev.mmpeft.models.family.Models.fromConfig(location).model();
        FineTuning.Builder setting = FineTuning.builder().method(m).rank(loraRank == null ? 8 : loraRank)
                .alpha(loraAlpha == null ? 8 : loraAlpha).dropout(0).tuneConnector(method.connectorTuned(false));
        List<String> described = new ArrayList<>();
        for (String t : targets == null ? List.<String>of() : targets) {
            Object target = parseTarget(t);
            if (target instanceof Component c) {
                setting.addComponents(c);
            } else {
                setting.addTargetModules((String) target);
            }
            described.add(target.toString());
        }
        PeftBuilder<?> builder = loraLike && targets == null
                // only parts trained in full: LoRA without targets, as Peft.full() saves it
                ? Peft.lora().rank(loraRank == null ? 8 : loraRank).alpha(loraAlpha == null ? 8 : loraAlpha)
                : m.peftBuilder(method.apply(setting, m).build()).orElseThrow();
        List<String> extras = new ArrayList<>(method.connectorTuned(false) ? List.of(Component.LANGUAGE_PROJECTION.name()) : List.of());
        for (String t : train == null ? List.<String>of() : train) {
            Object target = parseTarget(t);
            if (target instanceof Component c) {
                builder.train(c);
            } else {
                builder.train((String) target);
            }
            extras.add(target.toString());
        }
        PeftConfig built = builder.build();
        ParameterReport report = Peft.report(built, Adaptables.of(structure));
        out.printf(Locale.ROOT, "config: %s (%s parameters, nothing allocated)%n", location, grouped(structure.parameterCount()));
        // prefixes and adaption prompts take no targets: their description says where they go
        String on = !described.isEmpty() ? " on " + String.join(", ", described) : loraLike ? " on nothing"
                : m.options().contains(MethodOption.TARGET) ? " on the language model (the method's default targets)" : "";
        out.printf(Locale.ROOT, "%s%s%s%n", built.describe(), on, extras.isEmpty() ? "" : "; trained in full: " + String.join(", ", extras));
        out.println(report);
    }

    /** PETAL's DMA (with AIM's gate and SIB's temperature when asked) on a config, counted from the structure alone. */
    private void inspectDma(Path location, PrintWriter out) {
        if (!Files.isDirectory(location) && !isConfigFile(location)) {
            throw new MmpeftException(location + ": counting DMA parameters needs a config.json or a model directory");
        }
        InstructBlip structure = InstructBlip.fromConfig(Configs.read(location, InstructBlipConfig.class));
        Integer r = loraRank;
        List<String> described = new ArrayList<>();
        List<String> extras = new ArrayList<>();
        DmaConfig.Builder petal = Peft.dma().aimExperts(aim == null ? 0 : aim).sib(sib);
        if (r != null) {
            petal.rank(r);
        }
        addTargets(petal, described, extras);
        DmaConfig built = petal.build();
        ParameterReport report = petal.report(structure);
        out.printf(Locale.ROOT, "config: %s (%s parameters, nothing allocated)%n", location, grouped(structure.parameterCount()));
        out.printf(Locale.ROOT, "%s on %s%s%n", built.describe(), described.isEmpty() ? "QFORMER_ALL" : String.join(", ", described),
                extras.isEmpty() ? "" : "; trained in full: " + String.join(", ", extras));
        out.println(report);
    }

    /** The --target and --train flags on a method's builder, described for the header line. */
    private <B extends TargetingBuilder<B>> void addTargets(B b, List<String> described, List<String> extras) {
        for (String t : targets == null ? List.<String>of() : targets) {
            Object target = parseTarget(t);
            if (target instanceof Component) {
                b.target((Component) target);
            } else {
                b.target((String) target);
            }
            described.add(target.toString());
        }
        for (String t : train == null ? List.<String>of() : train) {
            Object target = parseTarget(t);
            if (target instanceof Component) {
                b.train((Component) target);
            } else {
                b.train((String) target);
            }
            extras.add(target.toString());
        }
    }

    /**
     * The trainable-parameter report of LaVIN's MM-Adapter on a config (no weights allocated):
     * PEFT's summary line and the per-part table (LaVIN-7B: 3,781,296).
     */
    void inspectMmAdapter(Path location, PrintWriter out) {
        if (!Files.isDirectory(location) && !isConfigFile(location)) {
            throw new MmpeftException(location + ": counting MM-Adapter parameters needs a config.json or a model directory");
        }
        dev.mmpeft.models.nn.HfModel<?> structure = dev.mmpeft.models.family.Models.fromConfig(location).model();
        dev.mmpeft.peft.mmadapter.MmAdapterConfig.Builder mm = Peft.mmAdapter();
        List<String> described = new ArrayList<>();
        addTargets(mm, described, new ArrayList<>());
        ParameterReport report = mm.report(dev.mmpeft.peft.Adaptables.of(structure));
        out.printf(Locale.ROOT, "config: %s (%s parameters, nothing allocated)%n", location, grouped(structure.parameterCount()));
        out.printf(Locale.ROOT, "MM-Adapter on %s%n", described.isEmpty() ? "LLM_ATTN, VISION_ATTN (LaVIN's placement)" : String.join(", ", described));
        out.println(report);
    }

    /** A component name ({@code QFORMER_CROSS_ATTN}, case and - or _ free) or a Hugging Face module name. */
    private Object parseTarget(String text) {
        String t = text.trim();
        try {
            return Component.parse(t);
        } catch (IllegalArgumentException e) {
            if (!t.equals(t.toLowerCase(Locale.ROOT)) && t.equals(t.toUpperCase(Locale.ROOT))) {
                // written like a component name: say which ones exist
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            return t;
        }
    }

    private static String trimNumber(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** Prints every tensor of a checkpoint, grouped by top-level module, its metadata and the total. */
    void inspectCheckpoint(Path location, PrintWriter out) throws IOException {
        try (Checkpoint checkpoint = Checkpoint.open(location)) {
            List<SafetensorsFile> files = checkpoint.files();
            long bytes = 0;
            for (SafetensorsFile f : files) {
                bytes += f.fileSize();
            }
            out.printf(Locale.ROOT, "checkpoint: %s%n", location);
            out.printf(Locale.ROOT, "files: %s (%s)%n",
                    files.size() == 1 ? files.get(0).path().getFileName() : files.size() + " shards",
                    humanBytes(bytes));
            printMetadata(checkpoint.metadata(), out);

            Map<String, List<TensorInfo>> groups = new TreeMap<>();
            for (String name : checkpoint.names()) {
                groups.computeIfAbsent(topLevelModule(name), k -> new ArrayList<>()).add(checkpoint.info(name));
            }
            // column widths from the content, so names, shapes and counts line up
            int nameWidth = 1;
            int typeWidth = 1;
            int shapeWidth = 1;
            int countWidth = 1;
            for (String name : checkpoint.names()) {
                TensorInfo t = checkpoint.info(name);
                nameWidth = Math.max(nameWidth, name.length());
                typeWidth = Math.max(typeWidth, t.dtype().fileName().length());
                shapeWidth = Math.max(shapeWidth, shape(t.shape()).length());
                countWidth = Math.max(countWidth, grouped(t.elementCount()).length());
            }
            String row = "  %-" + nameWidth + "s  %-" + typeWidth + "s  %-" + shapeWidth + "s  %" + countWidth + "s%n";
            long total = 0;
            for (Map.Entry<String, List<TensorInfo>> group : groups.entrySet()) {
                List<TensorInfo> tensors = group.getValue();
                tensors.sort(Comparator.comparing(TensorInfo::name, InspectCommand::compareNatural));
                long sum = tensors.stream().mapToLong(TensorInfo::elementCount).sum();
                total += sum;
                out.println();
                out.printf(Locale.ROOT, "%s  (%s, %s parameters)%n", group.getKey(), plural(tensors.size(), "tensor"), grouped(sum));
                for (TensorInfo t : tensors) {
                    out.printf(Locale.ROOT, row,
                            t.name(), t.dtype().fileName(), shape(t.shape()), grouped(t.elementCount()));
                }
            }
            out.println();
            out.printf(Locale.ROOT, "total parameters: %s in %s%n", grouped(total), plural(checkpoint.names().size(), "tensor"));
        }
    }

    private static void printMetadata(Map<String, String> metadata, PrintWriter out) {
        if (metadata.isEmpty()) {
            out.println("metadata: none");
            return;
        }
        out.println("metadata:");
        new TreeMap<>(metadata).forEach((k, v) -> out.printf(Locale.ROOT, "  %s: %s%n", k, v));
    }

    /** The first part of a dotted tensor name ({@code vision_model}, {@code model}, {@code lm_head}). */
    static String topLevelModule(String name) {
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String shape(long[] shape) {
        return LongStream.of(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String plural(long n, String word) {
        return grouped(n) + " " + word + (n == 1 ? "" : "s");
    }

    private static String humanBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        do {
            v /= 1024;
            u++;
        } while (v >= 1024 && u < units.length - 1);
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** Orders {@code layers.2} before {@code layers.10}: runs of digits compare as numbers. */
    static int compareNatural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i);
            char y = b.charAt(j);
            if (Character.isDigit(x) && Character.isDigit(y)) {
                int si = i;
                int sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) {
                    i++;
                }
                while (j < b.length() && Character.isDigit(b.charAt(j))) {
                    j++;
                }
                String na = a.substring(si, i).replaceFirst("^0+(?=.)", "");
                String nb = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
                int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
                if (c != 0) {
                    return c;
                }
            } else {
                if (x != y) {
                    return Character.compare(x, y);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }
}
