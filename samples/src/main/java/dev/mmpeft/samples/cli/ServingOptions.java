package dev.mmpeft.samples.cli;

import dev.mmpeft.samples.serve.HttpLimits;
import dev.mmpeft.serving.ServingConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The engine's batching and limits and the HTTP layer's size limits, shared by {@code serve} and
 * {@code loadtest} (a picocli mixin), so both run the service the same way.
 */
final class ServingOptions {
    @Option(names = "--max-batch-size", paramLabel = "N", defaultValue = "8", description = "Requests per forward pass at most (1: no batching). Default: ${DEFAULT-VALUE}.")
    int maxBatchSize;

    @Option(names = "--max-wait-ms", paramLabel = "MS", defaultValue = "10", description = "How long a batch waits to fill. Default: ${DEFAULT-VALUE}.")
    long maxWaitMillis;

    @Option(names = "--queue-capacity", paramLabel = "N", defaultValue = "64", description = "Requests waiting at most (more get 429). Default: ${DEFAULT-VALUE}.")
    int queueCapacity;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "60000", description = "A request's timeout (504 after). Default: ${DEFAULT-VALUE}.")
    long timeoutMillis;

    @Option(names = "--max-resident-adapters", paramLabel = "N", defaultValue = "8", description = "Adapters in memory at most (least recently used unloaded first). Default: ${DEFAULT-VALUE}.")
    int maxResident;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64", description = "The largest max_new_tokens a request may ask. Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--max-prompt-tokens", paramLabel = "N", defaultValue = "128", description = "The most tokens a prompt may have. Default: ${DEFAULT-VALUE}.")
    int maxPromptTokens;

    @Option(names = "--max-body-bytes", paramLabel = "N", defaultValue = "16777216", description = "The largest request body (413 above). Default: ${DEFAULT-VALUE}.")
    long maxBodyBytes;

    @Option(names = "--max-image-bytes", paramLabel = "N", defaultValue = "8388608", description = "The largest image file (413 above). Default: ${DEFAULT-VALUE}.")
    long maxImageBytes;

    @Option(names = "--max-image-side", paramLabel = "PX", defaultValue = "4096", description = "The largest image width or height (413 above). Default: ${DEFAULT-VALUE}.")
    int maxImageSide;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "32", description = "HTTP handler threads. Default: ${DEFAULT-VALUE}.")
    int threads;

    ServingConfig config() {
        return ServingConfig.builder().maxBatchSize(maxBatchSize).maxWait(Duration.ofMillis(maxWaitMillis)).queueCapacity(queueCapacity)
                .requestTimeout(Duration.ofMillis(timeoutMillis)).maxResidentAdapters(maxResident).maxNewTokens(maxNewTokens)
                .maxPromptTokens(maxPromptTokens).build();
    }

    HttpLimits limits() {
        return new HttpLimits(maxBodyBytes, maxImageBytes, maxImageSide);
    }
}
