package dev.mmpeft.models.lavin;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.LavinConfig;
import dev.mmpeft.models.clip.ClipImageProcessor;
import dev.mmpeft.models.processing.CausalLmSequences;
import dev.mmpeft.models.processing.Padded;
import dev.mmpeft.models.processing.RgbImage;
import dev.mmpeft.models.processing.TextTokenizer;
import dev.mmpeft.models.processing.TextTokenizer.Side;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * Turns {@link Prompt}s into LaVIN batches as LaVIN's released code lays them out
 * ({@code util/datasets.py}, {@code engine.py}, {@code lavin/generator.py}):
 *
 * <ul>
 *   <li>a prompt with an image: BOS, {@code "Image:"}, one placeholder per visual token
 *       ({@code image_token_index}), then the prompt text; a prompt without one (a text-only
 *       ScienceQA question): BOS, {@code "Image: N/A"}, then the prompt text. Each piece is
 *       tokenized on its own and the ids joined, as LaVIN joins them; the model puts the modality
 *       token in front ({@link Lavin});
 *   <li>images: {@link ClipImageProcessor} ({@code preprocessor_config.json} when the model
 *       directory has one, else CLIP's defaults at the tower's {@code image_size}); at most one
 *       image per prompt, as LaVIN takes;
 *   <li>training: prompt, the target's tokens and EOS, right-padded, labels -100 on the prompt and
 *       the padding; generation: left padding; scoring: right padding.
 * </ul>
 *
 * <p>LaVIN's own image transform (resize to 224 x 224 without crop, ImageNet mean/std) is what a
 * {@code preprocessor_config.json} with {@code do_center_crop: false} and those statistics gives.
 */
public final class LavinProcessor implements AutoCloseable, dev.mmpeft.models.generation.PromptProcessor<LavinInputs> {
    /** What precedes the visual tokens of an image prompt. */
    public static final String IMAGE_PREFIX = "Image:";
    /** What a text-only prompt has in place of the image. */
    public static final String NO_IMAGE_PREFIX = "Image: N/A";

    private final ClipImageProcessor imageProcessor;
    private final TextTokenizer tokenizer;
    private final int imageTokenId;
    private final int featuresPerImage;
    private final int eosTokenId;

    private LavinProcessor(ClipImageProcessor imageProcessor, TextTokenizer tokenizer, LavinConfig config) {
        this.imageProcessor = imageProcessor;
        this.tokenizer = tokenizer;
        this.imageTokenId = config.imageTokenId();
        this.featuresPerImage = config.imageFeatureCount();
        this.eosTokenId = config.textConfig().eosTokenId();
    }

    /**
     * The processor of a LaVIN directory: {@code tokenizer.json} (pad token from
     * {@code tokenizer_config.json}, else the config's {@code pad_token_id}) and
     * {@code preprocessor_config.json} when present.
     *
     * @throws MmpeftException naming the missing or bad file
     */
    public static LavinProcessor load(Path modelDir, LavinConfig config) {
        Path pre = modelDir.resolve("preprocessor_config.json");
        ClipImageProcessor images = Files.isRegularFile(pre) ? ClipImageProcessor.read(pre) : ClipImageProcessor.ofSize(config.visionConfig().imageSize());
        OptionalInt pad = config.padTokenId().or(config.textConfig()::padTokenId).map(OptionalInt::of).orElse(OptionalInt.empty());
        return new LavinProcessor(images, TextTokenizer.load(modelDir, pad), config);
    }

    /** A processor from its parts (it takes ownership of the tokenizer). */
    public static LavinProcessor of(ClipImageProcessor images, TextTokenizer tokenizer, LavinConfig config) {
        return new LavinProcessor(images, tokenizer, config);
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public ClipImageProcessor imageProcessor() {
        return imageProcessor;
    }

    /**
     * The prompt ids of one prompt: BOS and the image prefix with the placeholders, or the
     * text-only prefix, then the prompt text.
     *
     * @throws MmpeftException when the prompt has more than one image
     */
    public long[] promptIds(Prompt p) {
        if (p.images().size() > 1) {
            throw new MmpeftException("example '" + p.exampleId() + "': " + p.images().size() + " images; LaVIN takes one image per example");
        }
        boolean image = !p.images().isEmpty();
        long[] head = tokenizer.encode(image ? IMAGE_PREFIX : NO_IMAGE_PREFIX);
        long[] body = tokenizer.encodePlain(p.input());
        int visual = image ? featuresPerImage : 0;
        long[] out = Arrays.copyOf(head, head.length + visual + body.length);
        Arrays.fill(out, head.length, head.length + visual, imageTokenId);
        System.arraycopy(body, 0, out, head.length + visual, body.length);
        return out;
    }

    /** Text of generated ids, special tokens skipped and surrounding spaces trimmed. */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true).strip();
    }

    /** Inputs for generation: pixel values of the image prompts and the prompts, left-padded. */
    public LavinInputs generationInputs(List<Prompt> prompts, NDManager manager) {
        return promptInputs(prompts, Side.LEFT, manager);
    }

    /** Inputs for candidate scoring: as for generation, right-padded. */
    public LavinInputs scoringInputs(List<Prompt> prompts, NDManager manager) {
        return promptInputs(prompts, Side.RIGHT, manager);
    }

    /** Candidate answer ids for scoring: the tokenizer's full output (starting with BOS, which the scorer drops). */
    public List<long[]> candidateIds(List<String> candidates) {
        List<long[]> out = new ArrayList<>();
        candidates.forEach(c -> out.add(tokenizer.encode(c)));
        return out;
    }

    /**
     * Inputs with labels for training: {@code [prompt, target tokens, EOS, padding]}, right-padded;
     * labels are the ids on the target and EOS, -100 elsewhere. Text-only and image prompts mix
     * freely (LaVIN's mixture-of-modality training).
     *
     * @throws MmpeftException naming the example when a prompt has no target
     */
    public LavinInputs trainingInputs(List<Prompt> prompts, NDManager manager) {
        List<long[]> ins = new ArrayList<>();
        List<long[]> targets = new ArrayList<>();
        for (Prompt p : prompts) {
            ins.add(promptIds(p));
            targets.add(targetIds(p));
        }
        CausalLmSequences rows = CausalLmSequences.of(ins, targets, eosTokenId, tokenizer.requirePadId());
        ImmutableLavinInputs.Builder b = LavinInputs.builder()
                .inputIds(rows.padded().idsArray(manager))
                .attentionMask(rows.padded().maskArray(manager))
                .labels(rows.labelsArray(manager));
        images(prompts, manager, b);
        return b.build();
    }

    /** The length of a prompt's training row (prompt, target, EOS): what {@link #trainingInputs} pads it to at least. */
    public int trainingLength(Prompt p) {
        return CausalLmSequences.length(promptIds(p), targetIds(p));
    }

    private long[] targetIds(Prompt p) {
        return tokenizer.encodePlain(p.target()
                .orElseThrow(() -> new MmpeftException("example '" + p.exampleId() + "': no target text to train on")));
    }

    private LavinInputs promptInputs(List<Prompt> prompts, Side side, NDManager manager) {
        List<long[]> texts = new ArrayList<>();
        for (Prompt p : prompts) {
            texts.add(promptIds(p));
        }
        Padded padded = Padded.of(texts, tokenizer.requirePadId(), side);
        ImmutableLavinInputs.Builder b = LavinInputs.builder().inputIds(padded.idsArray(manager)).attentionMask(padded.maskArray(manager));
        images(prompts, manager, b);
        return b.build();
    }

    /** The image prompts' images, in order, as one {@code pixel_values} (none for a text-only batch). */
    private void images(List<Prompt> prompts, NDManager manager, ImmutableLavinInputs.Builder b) {
        if (prompts.isEmpty()) {
            throw new MmpeftException("an empty batch: no prompts");
        }
        List<RgbImage> images = new ArrayList<>();
        for (Prompt p : prompts) {
            for (Path image : p.images()) {
                images.add(RgbImage.read(image));
            }
        }
        if (!images.isEmpty()) {
            b.pixelValues(imageProcessor.pixelValues(images, manager));
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
