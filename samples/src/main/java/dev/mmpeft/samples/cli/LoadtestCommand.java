package dev.mmpeft.samples.cli;

import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.samples.serve.DemoAdapters;
import dev.mmpeft.samples.serve.LoadTest;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./mmpeft loadtest}: a bounded load on the service over loopback (one started in this JVM
 * on the embedded default model with the demo adapters, or a running one at {@code --url}), with
 * throughput, latency percentiles, errors, mean batch size, the isolation check and resident memory.
 */
@Command(
        name = "loadtest",
        header = "Loads the service with concurrent clients over several adapters and checks every answer.",
        mixinStandardHelpOptions = true,
        description = {
            "N clients send POST /v1/generate for T seconds, cycling over M adapters and eight demo questions,",
            "while one more adapter is loaded and unloaded every few seconds. Prints throughput, p50/p95/p99",
            "latency, errors, mean batch size, resident memory after warm-up, and the isolation check: every",
            "answer must equal the same request served alone. Exit code 1 when any request failed or differed."
        })
public final class LoadtestCommand implements Callable<Integer> {
    /** Side of the demo pictures sent to a service at --url: its image processor resizes them anyway. */
    private static final int EXTERNAL_IMAGE_SIDE = 56;

    @Spec CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", description = "A running service (default: start one in this JVM).")
    URI url;

    @Option(names = "--model", paramLabel = "DIR", description = "Model of the service started here (default: the embedded default model).")
    Path model;

    @Option(names = "--adapters", paramLabel = "DIR", description = "Adapter folder of the service started here (default: the demo adapters in a temporary folder).")
    Path adapters;

    @Option(names = "--use", paramLabel = "A,B", split = ",", description = "Adapters the clients use (default: the four demo adapters).")
    List<String> use;

    @Option(names = "--churn", paramLabel = "NAME", defaultValue = DemoAdapters.CHURN,
            description = "Adapter loaded and unloaded while the clients run ('none': no churn). Default: ${DEFAULT-VALUE}.")
    String churn;

    @Option(names = "--churn-seconds", paramLabel = "S", defaultValue = "5", description = "Seconds between its loads and unloads. Default: ${DEFAULT-VALUE}.")
    int churnSeconds;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "8", description = "Concurrent clients. Default: ${DEFAULT-VALUE}.")
    int clients;

    @Option(names = "--seconds", paramLabel = "T", defaultValue = "60", description = "How long the clients send. Default: ${DEFAULT-VALUE}.")
    int seconds;

    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "10", description = "Memory is compared after this. Default: ${DEFAULT-VALUE}.")
    int warmupSeconds;

    @Option(names = "--request-tokens", paramLabel = "N", defaultValue = "10", description = "max_new_tokens of each request. Default: ${DEFAULT-VALUE}.")
    int requestTokens;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the report as JSON.")
    Path json;

    @Mixin ServingOptions serving;

    @Override
    public Integer call() throws Exception {
        PrintStream console = Consoles.of(spec.commandLine().getOut());
        List<String> clientsUse = use == null ? DemoAdapters.SERVED : use;
        String churned = churn.equals("none") ? null : churn;
        LoadTest.Report report;
        if (url != null) {
            report = LoadTest.run(settings(url, clientsUse, churned), DemoAdapters.questions(EXTERNAL_IMAGE_SIDE), console);
        } else {
            Path folder = adapters;
            Path temp = null;
            if (folder == null) {
                temp = Files.createTempDirectory("mmpeft-loadtest-adapters-");
                folder = temp;
            }
            try (ServedModel served = ServedModel.start(model, null, folder, adapters == null, serving.config(), serving.limits(),
                    "127.0.0.1", 0, serving.threads, console)) {
                if (churned != null) {
                    served.engine.unloadAdapter(churned); // the churn starts by loading it
                }
                console.printf(Locale.ROOT, "service on %s: max batch %d, max wait %d ms; %d clients over %s for %d s%s%n",
                        served.server.uri(), serving.maxBatchSize, serving.maxWaitMillis, clients, clientsUse, seconds,
                        churned == null ? "" : ", loading/unloading " + churned + " every " + churnSeconds + " s");
                report = LoadTest.run(settings(served.server.uri(), clientsUse, churned),
                        DemoAdapters.questions(served.model.config().visionConfig().imageSize()), console);
            } finally {
                if (temp != null) {
                    AtomicFiles.deleteRecursively(temp);
                }
            }
        }
        console.print(report.text());
        if (json != null) {
            AtomicFiles.writeString(json, Json.write(report.json()));
        }
        console.flush();
        return report.errors() == 0 && report.mismatches() == 0 && report.churnFailures() == 0 ? 0 : MmpeftCli.EXIT_FAILURE;
    }

    private LoadTest.Settings settings(URI server, List<String> clientsUse, String churned) {
        return new LoadTest.Settings(server, clients, clientsUse, Duration.ofSeconds(seconds), Duration.ofSeconds(warmupSeconds), churned,
                Duration.ofSeconds(churnSeconds), requestTokens);
    }
}
