/**
 * Serving one base model with many adapters chosen per request: {@link dev.mmpeft.serving.ServingEngine}
 * (a registry of named adapters loaded from their directories, at most a bound in memory with
 * least-recently-used eviction; batches whose rows use different adapters, or none, in one forward
 * pass; dynamic batching of concurrent requests with a bounded queue, a maximum batch size and wait
 * time, per-request timeouts and cancellation), its requests, answers, limits and metrics.
 *
 * <p>Why a module of its own: a JVM service needs this machinery whatever its transport (HTTP, gRPC,
 * a message queue); the samples' HTTP service is one thin transport over it.
 *
 * <h2>Thread-safety</h2>
 * <ul>
 *   <li>May be shared across threads: {@code ServingEngine} (every method), {@code ServingMetrics}
 *       (live counters), and the immutable values {@code ServingRequest}, {@code ServingResult},
 *       {@code ServingConfig}, {@code AdapterInfo}.
 *   <li>May not: the {@code InstructBlip} model and {@code InstructBlipProcessor} given to the engine,
 *       and the {@code PeftModel} and DJL arrays it makes. One worker thread owns them (DJL blocks and
 *       arrays are not thread-safe); adapter loads and unloads run on that thread between batches.
 *       Do not use the model or processor elsewhere while the engine is open, and close the engine
 *       before closing them.
 *   <li>A request's {@code RgbImage} is read on the worker thread; do not change the pixels it was
 *       made from afterwards (it copies them when made, so this holds for images built with
 *       {@code RgbImage.of}).
 * </ul>
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.serving;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
