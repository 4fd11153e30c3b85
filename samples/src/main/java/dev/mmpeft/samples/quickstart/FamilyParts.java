package dev.mmpeft.samples.quickstart;

import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.ClipVisionConfig;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.LavinConfig;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.core.config.LlavaConfig;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import dev.mmpeft.models.generation.GenerativeModel;
import dev.mmpeft.models.generation.Predictor;
import dev.mmpeft.models.generation.PromptProcessor;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.lavin.Lavin;
import dev.mmpeft.models.lavin.LavinProcessor;
import dev.mmpeft.models.llava.Llava;
import dev.mmpeft.models.llava.LlavaProcessor;
import dev.mmpeft.models.nn.HfModel;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.processing.WordLevelTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What differs between the embedded models' families (architecture, tokenizers, processor, how the
 * model answers a multiple-choice prompt); the data, the training loop, the evaluation, the card,
 * the manifest and the packaging are shared ({@link EmbeddedFamily#build}).
 */
final class FamilyParts {
    private FamilyParts() {}

    /** One family's part of the build. */
    interface Part {
        /** Writes the tokenizer(s) over {@code words} and a randomly initialised model into {@code dir}. */
        void writeRandom(Path dir, List<String> words, int imageSize, long seed, float initStd) throws IOException;

        /** Loads what {@link #writeRandom} (or training) wrote. */
        Loaded load(Path dir);

        /** The ScienceQA-layout templates whose prompts the tokenizer must cover (besides IconQA's). */
        List<PromptTemplate> vocabularyTemplates();

        /** Whether text-only records' prompts (their hints state the fact) must be covered too. */
        boolean textOnlyVocabulary();

        /** Text the family's processor adds around every prompt (its words join the vocabulary). */
        List<String> promptFrame();
    }

    /** A loaded model with its processor. */
    interface Loaded extends AutoCloseable {
        long parameters();

        /** The model with every parameter trainable. */
        WholeModel trainable();

        /** The model's answers to multiple-choice prompts, by example id. */
        Map<String, Prediction> predict(List<Prompt> prompts);

        /** A short name of how {@link #predict} answers, for the model card. */
        String answering();

        void save(Path dir) throws IOException;

        @Override
        void close();
    }

    // ------------------------------------------------------------------------------ InstructBLIP

    /** InstructBLIP-FlanT5: T5 and BERT (Q-Former) word-level tokenizers; answers by generation, as it always has. */
    static final Part INSTRUCTBLIP = new Part() {
        @Override
        public void writeRandom(Path dir, List<String> words, int imageSize, long seed, float initStd) throws IOException {
            int lmVocab = WordLevelTokenizer.write(dir, words, WordLevelTokenizer.Family.T5, false);
            int qVocab = WordLevelTokenizer.write(dir.resolve("qformer_tokenizer"), words, WordLevelTokenizer.Family.BERT, false);
            try (InstructBlip random = InstructBlip.random(DefaultModel.config(lmVocab, qVocab, imageSize), seed, initStd)) {
                random.save(dir);
            }
        }

        @Override
        public Loaded load(Path dir) {
            InstructBlip model = InstructBlip.load(dir);
            InstructBlipProcessor processor = InstructBlipProcessor.load(dir, model.config());
            return new Base(model, processor, new WholeModel(model, processor)) {
                @Override
                public Map<String, Prediction> predict(List<Prompt> prompts) {
                    return Predictor.of(model, processor).predict(prompts);
                }

                @Override
                public String answering() {
                    return "greedy generation";
                }
            };
        }

        @Override
        public List<PromptTemplate> vocabularyTemplates() {
            return List.of(PromptTemplates.scienceQa());
        }

        @Override
        public boolean textOnlyVocabulary() {
            return false;
        }

        @Override
        public List<String> promptFrame() {
            return List.of();
        }
    };

    // ------------------------------------------------------------------------------ LLaVA

    /**
     * The embedded LLaVA's architecture: CLIP 48 wide x 2 layers on {@code imageSize} px images in
     * 14 px patches (16 features at 56 px, from the last layer: a 2-layer tower has no penultimate
     * layer worth its parameters), LLaVA's 2-layer GELU projector, a 48-wide 2-layer LLaMA.
     */
    static LlavaConfig llavaConfig(int vocab, int imageTokenId, int padTokenId, int imageSize) {
        int patches = (imageSize / 14) * (imageSize / 14);
        return LlavaConfig.builder()
                .visionConfig(vision(imageSize, 2))
                .textConfig(llama(vocab, padTokenId))
                .visionFeatureLayers(List.of(-1))
                .imageTokenId(imageTokenId)
                .padTokenId(padTokenId)
                .imageSeqLength(patches)
                .build();
    }

    /** LLaVA-1.5's conversation format around LLaMA tokenizers; answers by candidate scoring. */
    static final Part LLAVA = new LlamaPart(
            (vocab, imageSize, seed, initStd) -> Llava.random(llavaConfig(vocab, vocab - 1, vocab - 2, imageSize), seed, initStd),
            dir -> {
                Llava model = Llava.load(dir);
                LlavaProcessor processor = LlavaProcessor.load(dir, model.config());
                return scoring(model, processor, new WholeModel(model, processor));
            },
            List.of(LlavaProcessor.prompt("", 0)));

    // ------------------------------------------------------------------------------ LaVIN

    /**
     * The embedded LaVIN's architecture: CLIP 48 wide x 2 layers on {@code imageSize} px images in
     * 14 px patches with a [cls] visual token after each layer (2 per image), the visual adapter
     * 48 -> 16 -> 48, a 48-wide 2-layer LLaMA, MM-Adapter width 8 (LaVIN's).
     */
    static LavinConfig lavinConfig(int vocab, int imageTokenId, int padTokenId, int imageSize) {
        return LavinConfig.builder()
                .visionConfig(vision(imageSize, 2))
                .textConfig(llama(vocab, padTokenId))
                .adapterDim(8)
                .hiddenProj(16)
                .visionFeatureInterval(1)
                .imageTokenId(imageTokenId)
                .padTokenId(padTokenId)
                .build();
    }

    /**
     * The embedded LaVIN's template: LaVIN's ScienceQA prompt ({@link PromptTemplates#lavinScienceQa()}:
     * {@code Question: ...\nContext: ...\nOptions: (A) ... (B) ...\nResponse:}, text-only questions
     * marked {@code Image: N/A} by the processor) with the option text in LaVIN's answer sentence,
     * {@code The answer is red.}, instead of the letter. Why not the letter: measured on this
     * 154k-parameter model, pre-training on {@code The answer is B.} stays on the prior (validation
     * accuracy 25.00% = one letter always, loss flat at 0.24 from epoch 3 to 12, lr 3e-3, 600
     * examples; the same at lr 1e-3 on 2,000 examples); it leaves the prior only after ~1,900 steps
     * (1,200 examples, lr 2e-3, 40 epochs: 68.75% on validation, 59.38% held out, 4 min 41 s of
     * training), while the option text reaches 100% held out in 12 epochs of 600 examples; the same
     * reason InstructBLIP's default is trained on {@code scienceQaAnswerText()}.
     */
    static final PromptTemplate LAVIN_TEMPLATE = PromptTemplates.lavinScienceQa().withTarget("The answer is {answer_text}.");

    /** LaVIN's "Image: ..." / "Image: N/A" layout around LLaMA tokenizers; answers by candidate scoring. */
    static final Part LAVIN = new LlamaPart(
            (vocab, imageSize, seed, initStd) -> Lavin.random(lavinConfig(vocab, vocab - 1, vocab - 2, imageSize), seed, initStd),
            dir -> {
                Lavin model = Lavin.load(dir);
                LavinProcessor processor = LavinProcessor.load(dir, model.config());
                return scoring(model, processor, new WholeModel(model, processor));
            },
            List.of(LavinProcessor.IMAGE_PREFIX, LavinProcessor.NO_IMAGE_PREFIX));

    /** A randomly initialised model of a LLaMA-backed family, for a vocabulary of {@code vocab} words. */
    @FunctionalInterface
    private interface RandomModel {
        HfModel<?> create(int vocab, int imageSize, long seed, float initStd);
    }

    /**
     * The part LLaVA and LaVIN share: one LLaMA word-level tokenizer whose vocabulary covers the
     * ScienceQA and LaVIN layouts and the text-only prompts (both families answer questions without
     * an image); what differs is the model, its processor and the processor's frame.
     */
    private record LlamaPart(RandomModel random, Function<Path, Loaded> loader, List<String> promptFrame) implements Part {
        @Override
        public void writeRandom(Path dir, List<String> words, int imageSize, long seed, float initStd) throws IOException {
            int vocab = WordLevelTokenizer.write(dir, words, WordLevelTokenizer.Family.LLAMA, true);
            try (HfModel<?> model = random.create(vocab, imageSize, seed, initStd)) {
                model.save(dir);
            }
        }

        @Override
        public Loaded load(Path dir) {
            return loader.apply(dir);
        }

        @Override
        public List<PromptTemplate> vocabularyTemplates() {
            return List.of(PromptTemplates.scienceQa(), PromptTemplates.lavinScienceQa());
        }

        @Override
        public boolean textOnlyVocabulary() {
            return true;
        }
    }

    // ------------------------------------------------------------------------------ shared

    private static ClipVisionConfig vision(int imageSize, int layers) {
        int d = 48;
        return ClipVisionConfig.builder().hiddenSize(d).intermediateSize(4 * d).numHiddenLayers(layers).numAttentionHeads(4)
                .projectionDim(d).imageSize(imageSize).patchSize(14).build();
    }

    private static LlamaConfig llama(int vocab, int padTokenId) {
        return LlamaConfig.builder().vocabSize(vocab).hiddenSize(48).intermediateSize(128).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(4).maxPositionEmbeddings(256).padTokenId(padTokenId).build();
    }

    /** Prompts scored in batches of this many (those with the same candidates together). */
    static final int SCORING_BATCH = 16;

    /** A loaded model answering by batched candidate scoring through the family's processor. */
    private static <I, M extends HfModel<?> & GenerativeModel<I>, P extends PromptProcessor<I> & AutoCloseable> Loaded scoring(
            M model, P processor, WholeModel trainable) {
        return new Base(model, processor, trainable) {
            @Override
            public Map<String, Prediction> predict(List<Prompt> prompts) {
                return Predictor.of(model, processor).method(Predictor.Method.CANDIDATE_SCORING).batchSize(SCORING_BATCH)
                        .predict(prompts);
            }
        };
    }

    /** The shared half of a {@link Loaded}: the model, its processor and the trainable view. */
    private abstract static class Base implements Loaded {
        private final HfModel<?> model;
        private final AutoCloseable processor;
        private final WholeModel trainable;

        Base(HfModel<?> model, AutoCloseable processor, WholeModel trainable) {
            this.model = model;
            this.processor = processor;
            this.trainable = trainable;
        }

        @Override
        public long parameters() {
            return model.parameterCount();
        }

        @Override
        public WholeModel trainable() {
            return trainable;
        }

        @Override
        public String answering() {
            return "candidate scoring";
        }

        @Override
        public void save(Path dir) throws IOException {
            model.save(dir);
        }

        @Override
        public void close() {
            try {
                processor.close();
            } catch (Exception e) {
                throw new MmpeftException("cannot close the processor: " + e.getMessage(), e);
            }
            model.close();
        }
    }
}
