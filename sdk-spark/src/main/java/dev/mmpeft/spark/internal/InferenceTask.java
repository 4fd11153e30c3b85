package dev.mmpeft.spark.internal;

import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.Predictor;
import dev.mmpeft.models.instructblip.InstructBlip;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;

/**
 * What an executor does with one partition of prompts: answer them with the JVM's cached model
 * (and adapter) through {@link Predictor}, a chunk at a time so a large partition streams through.
 *
 * @param adapterDir the PEFT adapter's folder, or empty for the base model
 * @param method the {@link Predictor.Method} name
 * @param chunk prompts handed to the predictor at once (a multiple of the generation batch)
 */
public record InferenceTask(String modelDir, String adapterDir, String method, int numBeams, int maxNewTokens, int batchSize,
        int chunk) implements FlatMapFunction<Iterator<Row>, Row>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<Row> call(Iterator<Row> prompts) {
        InstructBlip model = ExecutorModels.model(modelDir, adapterDir.isEmpty() ? Optional.empty() : Optional.of(adapterDir));
        GenerationConfig generation = numBeams <= 1 ? GenerationConfig.greedy(maxNewTokens) : GenerationConfig.beams(numBeams, maxNewTokens);
        Predictor predictor = Predictor.of(model, ExecutorModels.base(modelDir).processor())
                .method(Predictor.Method.valueOf(method)).generation(generation).batchSize(batchSize);
        return new Iterator<>() {
            private Iterator<Row> ready = List.<Row>of().iterator();

            @Override
            public boolean hasNext() {
                while (!ready.hasNext() && prompts.hasNext()) {
                    List<Prompt> batch = new ArrayList<>(chunk);
                    while (batch.size() < chunk && prompts.hasNext()) {
                        batch.add(Rows.prompt(prompts.next()));
                    }
                    List<Row> out = new ArrayList<>(batch.size());
                    for (Prediction p : predictor.predict(batch).values()) {
                        out.add(Rows.prediction(p));
                    }
                    ready = out.iterator();
                }
                return ready.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return ready.next();
            }
        };
    }
}
