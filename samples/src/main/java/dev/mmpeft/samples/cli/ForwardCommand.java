package dev.mmpeft.samples.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.models.family.ModelInputs;
import dev.mmpeft.models.family.ModelOutputs;
import dev.mmpeft.models.family.MultimodalModel;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.instructblip.InstructBlipOutput;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./mmpeft forward}: one forward pass of a Hugging Face model directory of any registered
 * family (InstructBLIP, LLaVA, LaVIN) on inputs named as transformers names them, read from a
 * safetensors file; writes {@code logits}, (with labels) {@code loss} and the family's extras to
 * another. The way to check a port against Python numbers.
 */
@Command(
        name = "forward",
        header = "Runs one forward pass on inputs from a safetensors file; writes logits and loss.",
        mixinStandardHelpOptions = true,
        description = {
            "Runs one forward pass of a model of any family (instructblip, llava, lavin; optionally with a PEFT adapter",
            "applied) on inputs from a safetensors file and writes logits and loss (and image_hidden_states for llava/lavin).",
            "InstructBLIP inputs (transformers' names): pixel_values (float), qformer_input_ids, input_ids (int32 or int64),"
                    + " optional qformer_attention_mask, attention_mask (also bool), labels, decoder_input_ids, decoder_attention_mask.",
            "LLaVA and LaVIN inputs: input_ids (LLaVA: image tokens expanded, one per feature), optional pixel_values,"
                    + " attention_mask, labels."
        })
public final class ForwardCommand implements Callable<Integer> {
    static final List<String> REQUIRED = List.of("pixel_values", "qformer_input_ids", "input_ids");
    static final List<String> OPTIONAL =
            List.of("qformer_attention_mask", "attention_mask", "labels", "decoder_input_ids", "decoder_attention_mask");

    @Spec CommandSpec spec;

    @Mixin ModelOption model;

    @Mixin DeviceOption device;

    @Option(names = "--inputs", required = true, paramLabel = "IN.safetensors", description = "Model inputs under transformers' names.")
    Path inputs;

    @Option(names = "--output", required = true, paramLabel = "OUT.safetensors", description = "Where to write logits and loss (written atomically).")
    Path output;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT adapter directory (LoRA, DoRA, IA3, bottleneck, prefix, adaption prompt, DMA, ...) to apply to the model (adapter_config.json + adapter_model.safetensors).")
    Path adapter;

    @Override
    public Integer call() throws Exception {
        dev.mmpeft.core.Device on = device.single();
        model.directory();
        if (!Files.isRegularFile(inputs)) {
            throw new MmpeftException(inputs + ": no such inputs file");
        }
        if (!model.isInstructBlip()) {
            return forwardAnyFamily(on);
        }
        try (InstructBlip blip = model.load(on);
                Checkpoint in = Checkpoint.open(inputs);
                NDManager scope = NDManager.newBaseManager(on.toDjl())) {
            InstructBlipInputs batch = read(in, scope);
            InstructBlipOutput out;
            if (adapter == null) {
                out = blip.forward(batch);
            } else {
                // the adapted model shares the base arrays; only the adapter's tensors are new
                try (PeftModel<InstructBlip> peft = Peft.load(blip, adapter, false)) {
                    peft.loadReport(PeftModel.DEFAULT_ADAPTER).filter(r -> !r.isExact()).ifPresent(r -> spec.commandLine().getErr().println(
                            "mmpeft forward: warning: adapter tensors missing " + r.missing() + ", unused " + r.unexpected()));
                    out = peft.model().forward(batch);
                    out.logits().attach(scope);
                    out.loss().ifPresent(l -> l.attach(scope));
                }
            }
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("logits", out.logits().toType(DataType.FLOAT32, false));
            out.loss().ifPresent(l -> tensors.put("loss", l.toType(DataType.FLOAT32, false)));
            SafetensorsWriter.write(output, tensors);
            StringBuilder line = new StringBuilder("logits ").append(out.logits().getShape());
            out.loss().ifPresent(l -> line.append(String.format(Locale.ROOT, ", loss %.6f", l.toType(DataType.FLOAT32, false).getFloat())));
            spec.commandLine().getOut().println(line.append(" -> ").append(output));
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    /**
     * The family-neutral path ({@link MultimodalModel}): inputs checked by the family, every output
     * it returns written as float32.
     */
    private int forwardAnyFamily(dev.mmpeft.core.Device on) throws java.io.IOException {
        try (MultimodalModel loaded = model.loadAny(on);
                NDManager scope = NDManager.newBaseManager(on.toDjl())) {
            ModelOutputs out;
            if (adapter == null) {
                out = loaded.forward(ModelInputs.read(inputs, scope));
            } else {
                // PEFT adapts the loaded model's block tree in place; closing the PEFT model frees only the adapter
                try (PeftModel<?> peft = Peft.load(Adaptables.of(loaded.model()), adapter, false)) {
                    peft.loadReport(PeftModel.DEFAULT_ADAPTER).filter(r -> !r.isExact()).ifPresent(r -> spec.commandLine().getErr().println(
                            "mmpeft forward: warning: adapter tensors missing " + r.missing() + ", unused " + r.unexpected()));
                    out = loaded.forward(ModelInputs.read(inputs, scope));
                    out.tensors().values().forEach(t -> t.attach(scope));
                }
            }
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            out.tensors().forEach((name, t) -> tensors.put(name, t.toType(DataType.FLOAT32, false)));
            SafetensorsWriter.write(output, tensors);
            StringBuilder line = new StringBuilder(loaded.family()).append(": logits ").append(out.logits().getShape());
            out.loss().ifPresent(l -> line.append(String.format(Locale.ROOT, ", loss %.6f", l.toType(DataType.FLOAT32, false).getFloat())));
            spec.commandLine().getOut().println(line.append(" -> ").append(output));
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    /**
     * Reads the inputs file: required and optional tensors by name; anything else is an error, as
     * transformers refuses unknown keyword arguments.
     */
    static InstructBlipInputs read(Checkpoint in, NDManager scope) {
        for (String name : in.names()) {
            if (!REQUIRED.contains(name) && !OPTIONAL.contains(name)) {
                throw new MmpeftException(in.location() + ": unexpected input tensor '" + name + "'; expected " + REQUIRED + " and optionally " + OPTIONAL);
            }
        }
        for (String name : REQUIRED) {
            if (in.find(name).isEmpty()) {
                throw new MmpeftException(in.location() + ": missing input tensor '" + name + "'");
            }
        }
        InstructBlipInputs.Builder b = InstructBlipInputs.builder()
                .pixelValues(floats(in, "pixel_values", scope))
                .qformerInputIds(ints(in, "qformer_input_ids", scope))
                .inputIds(ints(in, "input_ids", scope));
        if (in.find("qformer_attention_mask").isPresent()) {
            b.qformerAttentionMask(mask(in, "qformer_attention_mask", scope));
        }
        if (in.find("attention_mask").isPresent()) {
            b.attentionMask(mask(in, "attention_mask", scope));
        }
        if (in.find("labels").isPresent()) {
            b.labels(ints(in, "labels", scope));
        }
        if (in.find("decoder_input_ids").isPresent()) {
            b.decoderInputIds(ints(in, "decoder_input_ids", scope));
        }
        if (in.find("decoder_attention_mask").isPresent()) {
            b.decoderAttentionMask(mask(in, "decoder_attention_mask", scope));
        }
        return b.build();
    }

    private static NDArray floats(Checkpoint in, String name, NDManager scope) {
        NDArray a = in.load(name, scope);
        if (!a.getDataType().isFloating()) {
            throw new MmpeftException(in.location() + ": input '" + name + "' must be floating point, found " + a.getDataType());
        }
        return a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
    }

    /** Masks may also come as bool or 8-bit integers, as torch masks often are. */
    private static NDArray mask(Checkpoint in, String name, NDManager scope) {
        NDArray a = in.load(name, scope);
        DataType t = a.getDataType();
        if (t == DataType.BOOLEAN || t == DataType.UINT8 || t == DataType.INT8) {
            return a.toType(DataType.INT64, false);
        }
        return checkInts(in, name, a);
    }

    private static NDArray ints(Checkpoint in, String name, NDManager scope) {
        return checkInts(in, name, in.load(name, scope));
    }

    private static NDArray checkInts(Checkpoint in, String name, NDArray a) {
        DataType t = a.getDataType();
        if (t != DataType.INT64 && t != DataType.INT32) {
            throw new MmpeftException(in.location() + ": input '" + name + "' must be int64 or int32, found " + t);
        }
        return t == DataType.INT64 ? a : a.toType(DataType.INT64, false);
    }
}
