package dev.mmpeft.peft.internal;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.peft.PeftException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PEFT's {@code merge_and_unload()} followed by {@code save_pretrained}: a standalone Hugging Face
 * checkpoint of the adapted model with the active adapter merged in, under the base model's tensor
 * names. The adapter set is left as it was (merged or not).
 */
public final class MergedExport {
    private MergedExport() {}

    /** Writes {@code config.json} + {@code model.safetensors} (and what {@code alsoWrite} adds) into {@code dir}, atomically. */
    public static void write(AdapterSet<?> set, Path dir, AtomicFiles.IoConsumer<Path> alsoWrite) throws IOException {
        ModelConfig config = set.twin().config().or(set.base()::config)
                .orElseThrow(() -> new PeftException("cannot export a merged model: " + set.base().getClass().getSimpleName() + " provides no config"));
        boolean wasMerged = set.merged();
        set.merge();
        try {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            set.twin().root().namedParameters().forEach((name, p) -> {
                if (set.weights().parameterNames().contains(name)) {
                    tensors.put(name, p.getArray());
                }
            });
            AtomicFiles.writeDirectory(dir, tmp -> {
                Configs.write(config, tmp);
                SafetensorsWriter.write(tmp.resolve(Checkpoint.SINGLE_FILE), tensors, Map.of("format", "pt"));
                alsoWrite.accept(tmp);
            });
        } finally {
            if (!wasMerged) {
                set.unmerge();
            }
        }
    }
}
