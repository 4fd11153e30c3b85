package dev.mmpeft.serving;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.processing.RgbImage;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.peft.RowRouting;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one gathered batch on the worker thread: checks each request against the limits, makes its
 * adapters resident, routes every row to its request's adapter, generates or scores in one pass,
 * and answers each request. A request that fails on its own fails alone; a batch that fails in the
 * engine is retried request by request, so one bad request never takes others down with it.
 */
final class BatchRunner {
    private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);

    private final PeftModel<InstructBlip> peft;
    private final InstructBlipProcessor processor;
    private final AdapterRegistry registry;
    private final ServingConfig config;
    private final ServingMetrics metrics;
    private final int imageTokens;

    BatchRunner(PeftModel<InstructBlip> peft, InstructBlipProcessor processor, AdapterRegistry registry, ServingConfig config,
            ServingMetrics metrics) {
        this.peft = peft;
        this.processor = processor;
        this.registry = registry;
        this.config = config;
        this.metrics = metrics;
        this.imageTokens = processor.expandsImageTokens() ? peft.model().config().numQueryTokens() : 0;
    }

    void run(List<Pending> batch) {
        List<Pending> live = new ArrayList<>();
        for (Pending p : batch) {
            if (!p.done()) {
                try {
                    check(p.request);
                    live.add(p);
                } catch (ServingException e) {
                    fail(p, e);
                }
            }
        }
        Set<String> names = new LinkedHashSet<>();
        live.forEach(p -> p.adapter().ifPresent(names::add));
        for (String name : names) {
            try {
                registry.ensureResident(name, names);
            } catch (ServingException e) {
                live.removeIf(p -> {
                    boolean uses = p.adapter().filter(name::equals).isPresent();
                    if (uses) {
                        fail(p, e);
                    }
                    return uses;
                });
            }
        }
        for (List<Pending> group : groups(live)) {
            compute(group);
        }
    }

    /** The request's limits, checked where the tokenizers live (this thread). */
    private void check(ServingRequest r) {
        r.adapter().filter(a -> !registry.isRegistered(a)).ifPresent(a -> {
            throw registry.unknown(a);
        });
        if (r.maxNewTokens() > config.maxNewTokens()) {
            throw new ServingException(ServingException.Reason.TOO_MANY_TOKENS, "max_new_tokens " + r.maxNewTokens()
                    + " exceeds this service's limit " + config.maxNewTokens());
        }
        if (r.numBeams() > config.maxBeams()) {
            throw new ServingException(ServingException.Reason.BAD_REQUEST, "num_beams " + r.numBeams()
                    + " exceeds this service's limit " + config.maxBeams());
        }
        if (r.choices().size() > config.maxChoices()) {
            throw new ServingException(ServingException.Reason.BAD_REQUEST, r.choices().size()
                    + " choices exceed this service's limit " + config.maxChoices());
        }
        tokens("prompt", processor.tokenizer().encode(r.prompt()).length + imageTokens);
        tokens("instruction (the Q-Former's text)", processor.qformerTokenizer().encode(r.qformerText()).length);
        for (int i = 0; i < r.choices().size(); i++) {
            tokens("choices[" + i + "]", processor.tokenizer().encode(r.choices().get(i)).length);
        }
    }

    private void tokens(String what, int count) {
        if (count > config.maxPromptTokens()) {
            throw new ServingException(ServingException.Reason.TOO_MANY_TOKENS, "the " + what + " has " + count
                    + " tokens, more than this service's limit of " + config.maxPromptTokens() + " (max_prompt_tokens)");
        }
    }

    /**
     * One group when every adapter of the batch routes rows (or the batch uses one adapter);
     * otherwise each adapter that cannot share a batch runs in a group of its own.
     */
    private List<List<Pending>> groups(List<Pending> live) {
        Map<Optional<String>, List<Pending>> alone = new LinkedHashMap<>();
        List<Pending> shared = new ArrayList<>();
        Set<Optional<String>> distinct = new LinkedHashSet<>();
        live.forEach(p -> distinct.add(p.adapter()));
        for (Pending p : live) {
            if (distinct.size() > 1 && p.adapter().filter(a -> !registry.routesRows(a)).isPresent()) {
                alone.computeIfAbsent(p.adapter(), k -> new ArrayList<>()).add(p);
            } else {
                shared.add(p);
            }
        }
        List<List<Pending>> out = new ArrayList<>();
        if (!shared.isEmpty()) {
            out.add(shared);
        }
        out.addAll(alone.values());
        return out;
    }

    private void compute(List<Pending> group) {
        long start = System.nanoTime();
        List<String> routes = new ArrayList<>();
        List<RgbImage> images = new ArrayList<>();
        List<String> prompts = new ArrayList<>();
        List<String> instructions = new ArrayList<>();
        for (Pending p : group) {
            routes.add(p.adapter().orElse(null));
            images.add(p.request.image());
            prompts.add(p.request.prompt());
            instructions.add(p.request.qformerText());
        }
        Pending.BatchKey key = group.get(0).key;
        List<ServingResult.Builder> answers;
        try (NDManager scope = NDManager.newBaseManager(); RowRouting routing = peft.routeRows(routes)) {
            answers = key.scoring()
                    ? score(key.choices(), processor.scoringInputs(images, prompts, instructions, scope), group.size())
                    : generate(group, processor.generationInputs(images, prompts, instructions, scope), routing);
        } catch (RuntimeException e) {
            if (group.size() > 1) {
                LOG.warn("a batch of {} failed ({}); answering its requests one by one", group.size(), e.toString());
                group.forEach(p -> compute(List.of(p)));
                return;
            }
            LOG.error("request failed in the engine", e);
            fail(group.get(0), new ServingException(ServingException.Reason.INTERNAL, "the engine failed on this request: " + e, e));
            return;
        }
        long end = System.nanoTime();
        metrics.batch(group.size());
        for (int i = 0; i < group.size(); i++) {
            Pending p = group.get(i);
            ServingResult result = answers.get(i).adapter(p.adapter()).batchSize(group.size())
                    .queueMillis((start - p.submittedNanos) / 1e6).computeMillis((end - start) / 1e6)
                    .totalMillis((end - p.submittedNanos) / 1e6).build();
            synchronized (p) { // counted before the client sees its answer (as in fail)
                if (p.future.isCancelled()) {
                    metrics.request(ServingMetrics.Outcome.CANCELLED, 0);
                } else if (!p.future.isDone()) {
                    metrics.request(ServingMetrics.Outcome.OK, (end - p.submittedNanos) / 1e9);
                    p.future.complete(result);
                }
            }
        }
    }

    private List<ServingResult.Builder> score(List<String> choices, InstructBlipInputs inputs, int size) {
        CandidateScores scores = peft.model().scoreCandidates(inputs, processor.candidateIds(choices));
        List<ServingResult.Builder> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            List<Float> losses = new ArrayList<>();
            for (float l : scores.losses(i)) {
                losses.add(l);
            }
            out.add(ServingResult.builder().text(choices.get(scores.best(i))).scores(losses));
        }
        return out;
    }

    /** Generates for the group; greedy decoding drops finished rows, the routing following them. */
    private List<ServingResult.Builder> generate(List<Pending> group, InstructBlipInputs inputs, RowRouting routing) {
        int beams = group.get(0).request.numBeams();
        int longest = group.stream().mapToInt(p -> p.request.maxNewTokens()).max().orElseThrow();
        GenerationConfig generation = beams == 1 ? GenerationConfig.greedy(longest) : GenerationConfig.beams(beams, longest);
        GenerationResult result = peft.model().generate(inputs, generation, routing);
        List<ServingResult.Builder> out = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            long[] all = result.tokens(i * result.numReturnSequences());
            // greedy decoding is prefix-consistent: a row's first n tokens are what a limit of n gives
            long[] tokens = Arrays.copyOf(all, Math.min(all.length, group.get(i).request.maxNewTokens()));
            List<Long> ids = new ArrayList<>();
            for (long t : tokens) {
                ids.add(t);
            }
            out.add(ServingResult.builder().text(processor.decode(tokens)).tokens(ids));
        }
        return out;
    }

    void fail(Pending p, ServingException e) {
        // counted before the caller can see the failure, so a client that reads the metrics after its
        // future failed finds its request counted
        synchronized (p) {
            if (p.future.isDone()) {
                return;
            }
            metrics.request(e.reason() == ServingException.Reason.INTERNAL ? ServingMetrics.Outcome.ERROR
                    : ServingMetrics.Outcome.REJECTED, 0);
            p.future.completeExceptionally(e);
        }
    }
}
