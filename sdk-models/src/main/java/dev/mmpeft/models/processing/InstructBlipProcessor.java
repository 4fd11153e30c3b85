package dev.mmpeft.models.processing;

import ai.djl.ndarray.NDManager;
import com.google.common.base.Preconditions;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.core.config.TextModelConfig;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.processing.TextTokenizer.Side;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Turns {@link Prompt}s into InstructBLIP batches the way transformers' {@code InstructBlipProcessor}
 * and the LAVIS training code (blip2_t5_instruct, blip2_vicuna_instruct) do:
 *
 * <ul>
 *   <li>image: {@link BlipImageProcessor};
 *   <li>{@link Prompt#instruction()}: Q-Former tokenizer ({@code qformer_tokenizer/}), padded to the
 *       longest, truncated from the left to {@code maxTextLength} (128; LAVIS's
 *       {@code truncation_side="left"}, so the end of a long instruction, the question, is kept);
 *   <li>{@link Prompt#input()}: the language model's tokenizer. T5: right padding. LLaMA: right
 *       padding for training, left padding for generation (so every row's prompt ends at the same
 *       position);
 *   <li>{@link Prompt#target()} (training): the prompt is truncated from the left to
 *       {@code maxTextLength}, the target from the right to {@code maxOutputLength}, as LAVIS's
 *       tokenizers are set up. T5 labels are the target's tokens with the tokenizer's
 *       EOS, padding -> -100, plus {@code decoder_attention_mask}; LLaMA gets prompt and target in
 *       one sequence (target tokenized with its BOS dropped and EOS appended, truncated to
 *       {@code maxOutputLength}, 256; prompt truncated from the left to {@code maxTextLength}),
 *       labels -100 on the prompt and the padding.
 * </ul>
 *
 * <p>When the model config has an {@code image_token_id}, {@code num_query_tokens} image
 * placeholders are put in front of the language model's ids (newer transformers; their labels are
 * -100); otherwise the model concatenates the query outputs in front itself (older transformers,
 * LAVIS). Both give the language model the same sequence.
 */
public final class InstructBlipProcessor implements AutoCloseable, dev.mmpeft.models.generation.PromptProcessor<InstructBlipInputs> {
    /** LAVIS's {@code max_txt_len}. */
    public static final int DEFAULT_MAX_TEXT_LENGTH = 128;
    /** LAVIS's {@code max_output_txt_len}. */
    public static final int DEFAULT_MAX_OUTPUT_LENGTH = 256;

    private final BlipImageProcessor imageProcessor;
    private final TextTokenizer tokenizer;
    private final TextTokenizer qformerTokenizer;
    private final boolean encoderDecoder;
    private final int numQueryTokens;
    private final Optional<Integer> imageTokenId;
    private final int eosTokenId;
    private final int maxTextLength;
    private final int maxOutputLength;

    private InstructBlipProcessor(
            BlipImageProcessor imageProcessor,
            TextTokenizer tokenizer,
            TextTokenizer qformerTokenizer,
            InstructBlipConfig config,
            int maxTextLength,
            int maxOutputLength) {
        this.imageProcessor = imageProcessor;
        this.tokenizer = tokenizer;
        this.qformerTokenizer = qformerTokenizer;
        this.encoderDecoder = config.textConfig().isEncoderDecoder();
        this.numQueryTokens = config.numQueryTokens();
        this.imageTokenId = config.imageTokenId();
        this.eosTokenId = eosOf(config.textConfig());
        this.maxTextLength = maxTextLength;
        this.maxOutputLength = maxOutputLength;
    }

    private static int eosOf(TextModelConfig c) {
        if (c instanceof T5Config) {
            return ((T5Config) c).eosTokenId();
        }
        if (c instanceof LlamaConfig) {
            return ((LlamaConfig) c).eosTokenId();
        }
        throw new MmpeftException("text_config: model_type '" + c.modelType() + "' is not supported");
    }

    private static OptionalInt padOf(TextModelConfig c) {
        if (c instanceof T5Config) {
            return OptionalInt.of(((T5Config) c).padTokenId());
        }
        if (c instanceof LlamaConfig) {
            return ((LlamaConfig) c).padTokenId().map(OptionalInt::of).orElse(OptionalInt.empty());
        }
        return OptionalInt.empty();
    }

    /**
     * The processor of a Hugging Face InstructBLIP directory: {@code tokenizer.json},
     * {@code qformer_tokenizer/tokenizer.json}, and {@code preprocessor_config.json} (absent: the
     * vision config's image size with the BLIP defaults).
     *
     * @throws MmpeftException naming the missing or bad file
     */
    public static InstructBlipProcessor load(Path modelDir, InstructBlipConfig config) {
        return load(modelDir, config, DEFAULT_MAX_TEXT_LENGTH, DEFAULT_MAX_OUTPUT_LENGTH);
    }

    /** As {@link #load(Path, InstructBlipConfig)} with LAVIS's text length limits given. */
    public static InstructBlipProcessor load(Path modelDir, InstructBlipConfig config, int maxTextLength, int maxOutputLength) {
        Path pre = modelDir.resolve("preprocessor_config.json");
        BlipImageProcessor images = Files.isRegularFile(pre)
                ? BlipImageProcessor.read(pre)
                : BlipImageProcessor.ofSize(config.visionConfig().imageSize());
        if (images.doResize() && (images.height() != config.visionConfig().imageSize() || images.width() != config.visionConfig().imageSize())) {
            throw new MmpeftException(pre + ": size " + images.height() + "x" + images.width()
                    + " does not match the vision config's image_size " + config.visionConfig().imageSize());
        }
        TextTokenizer llm = TextTokenizer.load(modelDir, padOf(config.textConfig()));
        TextTokenizer qformer;
        try {
            qformer = TextTokenizer.load(modelDir.resolve("qformer_tokenizer"), OptionalInt.of(config.qformerConfig().padTokenId()));
        } catch (RuntimeException e) {
            llm.close();
            throw e;
        }
        return of(images, llm, qformer, config, maxTextLength, maxOutputLength);
    }

    /** A processor from its parts (it takes ownership of the tokenizers). */
    public static InstructBlipProcessor of(
            BlipImageProcessor images,
            TextTokenizer tokenizer,
            TextTokenizer qformerTokenizer,
            InstructBlipConfig config,
            int maxTextLength,
            int maxOutputLength) {
        Preconditions.checkArgument(maxTextLength > 0, "maxTextLength must be > 0, got %s", maxTextLength);
        Preconditions.checkArgument(maxOutputLength > 0, "maxOutputLength must be > 0, got %s", maxOutputLength);
        return new InstructBlipProcessor(images, tokenizer, qformerTokenizer, config, maxTextLength, maxOutputLength);
    }

    public BlipImageProcessor imageProcessor() {
        return imageProcessor;
    }

    /** The language model's tokenizer. */
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** The Q-Former's tokenizer. */
    public TextTokenizer qformerTokenizer() {
        return qformerTokenizer;
    }

    /** The Q-Former's ids of an instruction, truncated from the left as for every batch ({@code max_txt_len}). */
    public long[] instructionIds(String instruction) {
        return qformerTokenizer.encode(instruction, maxTextLength, Side.LEFT);
    }

    /** Whether image placeholders are put in front of the language model's ids. */
    public boolean expandsImageTokens() {
        return imageTokenId.isPresent();
    }

    /** Text of generated ids, special tokens skipped and surrounding spaces trimmed (as LAVIS). */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true).strip();
    }

    /**
     * Inputs for generation or scoring: pixel values, Q-Former ids and the prompt ids (no labels).
     */
    public InstructBlipInputs generationInputs(List<Prompt> prompts, NDManager manager) {
        return generationInputs(images(prompts), inputs(prompts), instructions(prompts), manager);
    }

    /**
     * Inputs for generation from images in memory (a service's requests): {@code prompts.get(i)}
     * for the language model and {@code instructions.get(i)} for the Q-Former, with image
     * {@code i}; padded as {@link #generationInputs(List, NDManager)} pads.
     */
    public InstructBlipInputs generationInputs(List<RgbImage> images, List<String> prompts, List<String> instructions,
            NDManager manager) {
        return textInputs(images, prompts, instructions, encoderDecoder ? Side.RIGHT : Side.LEFT, manager);
    }

    /** Inputs for candidate scoring from images in memory; prompts right-padded as {@link #scoringInputs(List, NDManager)}. */
    public InstructBlipInputs scoringInputs(List<RgbImage> images, List<String> prompts, List<String> instructions,
            NDManager manager) {
        return textInputs(images, prompts, instructions, Side.RIGHT, manager);
    }

    private InstructBlipInputs textInputs(List<RgbImage> images, List<String> prompts, List<String> instructions, Side side,
            NDManager manager) {
        if (images.isEmpty() || images.size() != prompts.size() || prompts.size() != instructions.size()) {
            throw new MmpeftException("a batch needs one image, prompt and instruction per example; got " + images.size()
                    + " images, " + prompts.size() + " prompts, " + instructions.size() + " instructions");
        }
        List<long[]> texts = new ArrayList<>();
        for (String p : prompts) {
            texts.add(withImageTokens(tokenizer.encode(p)));
        }
        Padded llm = Padded.of(texts, tokenizer.requirePadId(), side);
        return base(instructions, images, manager).inputIds(llm.idsArray(manager)).attentionMask(llm.maskArray(manager)).build();
    }

    private static List<String> inputs(List<Prompt> prompts) {
        List<String> out = new ArrayList<>();
        prompts.forEach(p -> out.add(p.input()));
        return out;
    }

    private static List<String> instructions(List<Prompt> prompts) {
        List<String> out = new ArrayList<>();
        prompts.forEach(p -> out.add(p.instruction()));
        return out;
    }

    /**
     * Same as {@link #generationInputs} for one image: {@code prompt} for the language model,
     * {@code instruction} for the Q-Former (transformers' processor feeds the same text to both).
     */
    public InstructBlipInputs generationInputs(RgbImage image, String prompt, String instruction, NDManager manager) {
        long[] ids = withImageTokens(tokenizer.encode(prompt));
        Padded llm = Padded.of(List.of(ids), tokenizer.requirePadId(), Side.RIGHT);
        Padded q = Padded.of(List.of(qformerTokenizer.encode(instruction, maxTextLength, Side.LEFT)), qformerTokenizer.requirePadId(), Side.RIGHT);
        return InstructBlipInputs.builder()
                .pixelValues(imageProcessor.pixelValues(List.of(image), manager))
                .qformerInputIds(q.idsArray(manager))
                .qformerAttentionMask(q.maskArray(manager))
                .inputIds(llm.idsArray(manager))
                .attentionMask(llm.maskArray(manager))
                .build();
    }

    /**
     * The language model input length {@link #trainingInputs} gives {@code prompt} before padding:
     * the prompt's ids (with image tokens when the processor expands them) for T5, prompt and
     * target ids for decoder-only models. What length-aware batching sorts by.
     */
    public int trainingLength(Prompt prompt) {
        int in = withImageTokens(tokenizer.encode(prompt.input(), maxTextLength, Side.LEFT)).length;
        if (encoderDecoder) {
            return in;
        }
        return in + prompt.target().map(t -> targetIds(t).length).orElse(0);
    }

    /**
     * Inputs with labels for training, as LAVIS builds them for the backbone's family.
     *
     * @throws MmpeftException naming the example when a prompt has no target
     */
    public InstructBlipInputs trainingInputs(List<Prompt> prompts, NDManager manager) {
        List<RgbImage> images = images(prompts);
        InstructBlipInputs.Builder b = base(instructions(prompts), images, manager);
        List<String> targets = new ArrayList<>();
        for (Prompt p : prompts) {
            targets.add(p.target().orElseThrow(() -> new MmpeftException("example '" + p.exampleId() + "': no target text to train on")));
        }
        long pad = tokenizer.requirePadId();
        if (encoderDecoder) {
            List<long[]> in = new ArrayList<>();
            List<long[]> out = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                in.add(withImageTokens(tokenizer.encode(prompts.get(i).input(), maxTextLength, Side.LEFT)));
                out.add(tokenizer.encode(targets.get(i), maxOutputLength, Side.RIGHT));
            }
            Padded input = Padded.of(in, pad, Side.RIGHT);
            Padded output = Padded.of(out, pad, Side.RIGHT);
            long[][] labels = new long[out.size()][];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = output.ids()[i].clone();
                for (int j = 0; j < labels[i].length; j++) {
                    // LAVIS: targets = ids.masked_fill(ids == pad_token_id, -100)
                    if (labels[i][j] == pad) {
                        labels[i][j] = -100;
                    }
                }
            }
            return b.inputIds(input.idsArray(manager))
                    .attentionMask(input.maskArray(manager))
                    .labels(Padded.toArray(labels, manager))
                    .decoderAttentionMask(output.maskArray(manager))
                    .build();
        }
        // decoder-only: [prompt (BOS ...), target tokens (BOS dropped) + EOS, padding], right padded
        List<long[]> seqs = new ArrayList<>();
        List<Integer> promptLengths = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            long[] in = withImageTokens(tokenizer.encode(prompts.get(i).input(), maxTextLength, Side.LEFT));
            long[] out = targetIds(targets.get(i));
            long[] seq = Arrays.copyOf(in, in.length + out.length);
            System.arraycopy(out, 0, seq, in.length, out.length);
            seqs.add(seq);
            promptLengths.add(in.length);
        }
        Padded all = Padded.of(seqs, pad, Side.RIGHT);
        long[][] labels = new long[seqs.size()][];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = all.ids()[i].clone();
            for (int j = 0; j < labels[i].length; j++) {
                if (j < promptLengths.get(i) || all.mask()[i][j] == 0) {
                    labels[i][j] = -100;
                }
            }
        }
        return b.inputIds(all.idsArray(manager)).attentionMask(all.maskArray(manager)).labels(Padded.toArray(labels, manager)).build();
    }

    /**
     * The target's tokens as LAVIS's vicuna training appends them to the prompt: the text with the
     * EOS token after it, tokenized with the tokenizer's leading specials (BOS) and truncated from
     * the right to {@code maxOutputLength} (the EOS is part of the text there, so a target that is
     * too long loses it, as in LAVIS), then the leading specials dropped.
     */
    private long[] targetIds(String target) {
        long[] body = tokenizer.encodePlain(target);
        long[] content = Arrays.copyOf(body, body.length + 1);
        content[body.length] = eosTokenId;
        int keep = Math.max(0, maxOutputLength - tokenizer.prefixIds().length);
        return content.length > keep ? Arrays.copyOf(content, keep) : content;
    }

    /**
     * Candidate answer ids for scoring, as LAVIS's {@code _predict_class} tokenizes them: the
     * tokenizer's full output (T5: ending with EOS; LLaMA: starting with BOS, which the scorer drops
     * because the candidate follows the prompt), untruncated.
     */
    public List<long[]> candidateIds(List<String> candidates) {
        List<long[]> out = new ArrayList<>();
        for (String c : candidates) {
            out.add(tokenizer.encode(c));
        }
        return out;
    }

    /**
     * Inputs for candidate scoring: as {@link #generationInputs} but every prompt right-padded, as
     * LAVIS's {@code _predict_class} pads them.
     */
    public InstructBlipInputs scoringInputs(List<Prompt> prompts, NDManager manager) {
        return scoringInputs(images(prompts), inputs(prompts), instructions(prompts), manager);
    }

    private long[] withImageTokens(long[] ids) {
        if (imageTokenId.isEmpty()) {
            return ids;
        }
        long[] out = new long[numQueryTokens + ids.length];
        Arrays.fill(out, 0, numQueryTokens, imageTokenId.get());
        System.arraycopy(ids, 0, out, numQueryTokens, ids.length);
        return out;
    }

    private List<RgbImage> images(List<Prompt> prompts) {
        if (prompts.isEmpty()) {
            throw new MmpeftException("an empty batch: no prompts");
        }
        List<RgbImage> out = new ArrayList<>();
        for (Prompt p : prompts) {
            if (p.images().size() != 1) {
                throw new MmpeftException("example '" + p.exampleId() + "': InstructBLIP takes exactly one image, found " + p.images().size());
            }
            out.add(RgbImage.read(p.images().get(0)));
        }
        return out;
    }

    private InstructBlipInputs.Builder base(List<String> instructions, List<RgbImage> images, NDManager manager) {
        List<long[]> q = new ArrayList<>();
        for (String instruction : instructions) {
            q.add(instructionIds(instruction));
        }
        Padded qf = Padded.of(q, qformerTokenizer.requirePadId(), Side.RIGHT);
        return InstructBlipInputs.builder()
                .pixelValues(imageProcessor.pixelValues(images, manager))
                .qformerInputIds(qf.idsArray(manager))
                .qformerAttentionMask(qf.maskArray(manager));
    }

    @Override
    public void close() {
        tokenizer.close();
        qformerTokenizer.close();
    }
}
