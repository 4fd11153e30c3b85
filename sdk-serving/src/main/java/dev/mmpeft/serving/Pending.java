package dev.mmpeft.serving;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A submitted request waiting for its batch, with its future and its clock. */
final class Pending {
    /**
     * What requests must share to run in one forward pass: candidate scoring with the same choices,
     * or generation with the same beams (and, for beam search, the same length limit: beam search is
     * not prefix-consistent, greedy decoding is, so greedy rows of different limits share a batch
     * generating to the largest and are cut).
     */
    record BatchKey(List<String> choices, int numBeams, int beamMaxNewTokens) {
        static BatchKey of(ServingRequest r) {
            if (!r.choices().isEmpty()) {
                return new BatchKey(r.choices(), 0, 0);
            }
            return new BatchKey(List.of(), r.numBeams(), r.numBeams() > 1 ? r.maxNewTokens() : 0);
        }

        boolean scoring() {
            return !choices.isEmpty();
        }
    }

    final ServingRequest request;
    final CompletableFuture<ServingResult> future;
    final BatchKey key;
    final long submittedNanos;

    Pending(ServingRequest request, CompletableFuture<ServingResult> future, long submittedNanos) {
        this.request = request;
        this.future = future;
        this.key = BatchKey.of(request);
        this.submittedNanos = submittedNanos;
    }

    Optional<String> adapter() {
        return request.adapter();
    }

    /** Whether it was answered, failed, timed out or cancelled already. */
    boolean done() {
        return future.isDone();
    }
}
