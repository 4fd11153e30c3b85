package dev.mmpeft.samples.cli;

import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.samples.quickstart.DefaultModel;
import dev.mmpeft.samples.serve.DemoAdapters;
import dev.mmpeft.samples.serve.HttpLimits;
import dev.mmpeft.samples.serve.ServingHttpServer;
import dev.mmpeft.serving.AdapterInfo;
import dev.mmpeft.serving.ServingConfig;
import dev.mmpeft.serving.ServingEngine;
import dev.mmpeft.serving.ServingException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A model, its engine and its HTTP server, started together and closed together: what
 * {@code serve} runs until it is stopped and {@code loadtest} runs for the length of a test.
 */
final class ServedModel implements AutoCloseable {
    final InstructBlip model;
    final InstructBlipProcessor processor;
    final ServingEngine engine;
    final ServingHttpServer server;
    final String name;

    private ServedModel(InstructBlip model, InstructBlipProcessor processor, ServingEngine engine, ServingHttpServer server, String name) {
        this.model = model;
        this.processor = processor;
        this.engine = engine;
        this.server = server;
        this.name = name;
    }

    /**
     * Loads {@code modelDir} (the embedded default when null), registers every adapter folder of
     * {@code adapters} (writing the demo adapters there first when {@code demo}) and loads the first
     * ones up to the resident bound, then listens on {@code host:port}.
     */
    static ServedModel start(@Nullable Path modelDir, @Nullable String baseName, @Nullable Path adapters, boolean demo,
            ServingConfig config, HttpLimits limits, String host, int port, int threads, PrintStream console)
            throws IOException, InterruptedException {
        Path dir = modelDir == null ? DefaultModel.directory() : modelDir;
        String name = baseName != null ? baseName : modelDir == null ? DefaultModel.NAME : dir.toAbsolutePath().normalize().getFileName().toString();
        InstructBlip model = InstructBlip.load(dir);
        InstructBlipProcessor processor = null;
        ServingEngine engine = null;
        try {
            processor = InstructBlipProcessor.load(dir, model.config());
            if (demo) {
                if (adapters == null) {
                    throw new IllegalArgumentException("--demo-adapters writes into the --adapters folder; give --adapters DIR");
                }
                if (!Files.isDirectory(adapters.resolve(DemoAdapters.CHURN))) {
                    DemoAdapters.write(model, processor, name, adapters);
                    console.printf(Locale.ROOT, "wrote the demo adapters %s and %s into %s%n", DemoAdapters.SERVED, DemoAdapters.CHURN, adapters);
                }
            }
            engine = ServingEngine.builder().model(model).processor(processor).baseModelName(name).config(config).build();
            if (adapters != null) {
                register(engine, adapters, config.maxResidentAdapters(), console);
            }
            ServingHttpServer server = ServingHttpServer.start(engine, adapters, limits, new InetSocketAddress(host, port), threads);
            return new ServedModel(model, processor, engine, server, name);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (engine != null) {
                engine.close();
            }
            if (processor != null) {
                processor.close();
            }
            model.close();
            throw e;
        }
    }

    private static void register(ServingEngine engine, Path folder, int resident, PrintStream console) throws IOException, InterruptedException {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("--adapters " + folder + ": no such folder");
        }
        List<Path> dirs;
        try (Stream<Path> list = Files.list(folder)) {
            dirs = list.filter(d -> Files.isRegularFile(d.resolve("adapter_config.json"))).sorted().toList();
        }
        int loaded = 0;
        for (Path d : dirs) {
            String adapter = d.getFileName().toString();
            try {
                if (loaded < resident) {
                    engine.loadAdapter(adapter, d);
                    loaded++;
                } else {
                    engine.registerAdapter(adapter, d);
                }
            } catch (ServingException e) {
                console.printf(Locale.ROOT, "skipped adapter %s: %s%n", adapter, e.getMessage());
            }
        }
        List<AdapterInfo> all = engine.adapters();
        console.printf(Locale.ROOT, "%d adapters registered from %s (%d loaded)%n", all.size(), folder,
                all.stream().filter(AdapterInfo::resident).count());
    }

    @Override
    public void close() {
        server.close();
        engine.close();
        processor.close();
        model.close();
    }
}
