/**
 * The sample HTTP service over {@code dev.mmpeft.serving.ServingEngine}: a native
 * {@code POST /v1/generate}, an OpenAI-compatible {@code POST /v1/chat/completions}, adapter
 * management, health and Prometheus metrics on the JDK's built-in {@code com.sun.net.httpserver}
 * (no dependency), demo adapters for the embedded default model, and the loopback load test.
 *
 * <p>Thread-safety: the server's handler threads share one {@code ServingEngine} (thread-safe) and
 * nothing else mutable; the engine's worker thread owns the model.
 */
@NullMarked
package dev.mmpeft.samples.serve;

import org.jspecify.annotations.NullMarked;
