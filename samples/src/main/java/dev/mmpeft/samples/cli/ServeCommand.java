package dev.mmpeft.samples.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./mmpeft serve}: one base model and its adapters over HTTP (a thin command over
 * {@code dev.mmpeft.serving.ServingEngine} and the sample server), until the process is stopped.
 */
@Command(
        name = "serve",
        header = "Serves a model and many adapters over HTTP (native and OpenAI-compatible endpoints).",
        mixinStandardHelpOptions = true,
        description = {
            "Serves one base model with many adapters chosen per request, batching concurrent requests",
            "(rows of different adapters share a forward pass). Endpoints: POST /v1/generate,",
            "POST /v1/chat/completions (OpenAI; model = adapter name), GET /v1/models, GET /v1/adapters,",
            "POST|DELETE /v1/adapters/{name}, GET /health, GET /metrics (Prometheus). Stop it with Ctrl-C."
        })
public final class ServeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", description = "Hugging Face InstructBLIP directory (default: the embedded default model).")
    Path model;

    @Option(names = "--base-model-name", paramLabel = "ID",
            description = "The id adapters must name as base_model_name_or_path (default: the model folder's name).")
    String baseModelName;

    @Option(names = "--adapters", paramLabel = "DIR",
            description = "Folder of adapter folders: each one with adapter_config.json is registered under its folder name,"
                    + " and POST /v1/adapters/{name} loads DIR/name.")
    Path adapters;

    @Option(names = "--demo-adapters", description = "First write five demo adapters (random LoRA and IA3 values) into --adapters.")
    boolean demoAdapters;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "Address to listen on. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "Port (0: any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Mixin ServingOptions serving;

    @Override
    public Integer call() throws Exception {
        PrintStream console = Consoles.of(spec.commandLine().getOut());
        ServedModel served = ServedModel.start(model, baseModelName, adapters, demoAdapters, serving.config(), serving.limits(), host,
                port, serving.threads, console);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            served.close();
            stopped.countDown();
        }, "mmpeft-serve-shutdown"));
        console.printf(Locale.ROOT, "serving %s on %s (max batch %d, max wait %d ms)%n", served.name, served.server.uri(),
                serving.maxBatchSize, serving.maxWaitMillis);
        console.flush();
        stopped.await();
        return 0;
    }
}
