package dev.mmpeft.models.llava;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.LlavaConfig;
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
 * Turns {@link Prompt}s into LLaVA batches as transformers' {@code LlavaProcessor} does with
 * LLaVA-1.5's conversation format:
 *
 * <ul>
 *   <li>images: {@link ClipImageProcessor} ({@code preprocessor_config.json} when the checkpoint
 *       has one, else CLIP's defaults at the vision tower's {@code image_size});
 *   <li>text: {@link Prompt#input()} as the question of {@code "USER: <image>\n{question} ASSISTANT:"}
 *       (one {@code <image>\n} per image of the prompt; an input that already contains
 *       {@code <image>} is taken as the whole prompt). The tokenizer's Jinja chat template is not
 *       rendered: this is the format llava-hf's LLaVA-1.5 template produces for one user turn;
 *   <li>each {@code <image>} is expanded to one token per image feature
 *       ({@link LlavaConfig#imageFeatureCount()}) before tokenizing, as the current processor does,
 *       and the tokenizer must map each to {@code image_token_index};
 *   <li>training: prompt then the target's tokens (BOS dropped) and EOS, right-padded, labels -100
 *       on the prompt and the padding; generation: left padding; scoring: right padding.
 * </ul>
 *
 * <p>Text is not truncated (transformers' processor does not truncate by default, and cutting
 * image tokens would break the model's input).
 */
public final class LlavaProcessor implements AutoCloseable, dev.mmpeft.models.generation.PromptProcessor<LlavaInputs> {
    /** The image placeholder in prompt text. */
    public static final String IMAGE = "<image>";

    private final ClipImageProcessor imageProcessor;
    private final TextTokenizer tokenizer;
    private final int imageTokenId;
    private final int featuresPerImage;
    private final int eosTokenId;

    private LlavaProcessor(ClipImageProcessor imageProcessor, TextTokenizer tokenizer, LlavaConfig config) {
        this.imageProcessor = imageProcessor;
        this.tokenizer = tokenizer;
        this.imageTokenId = config.imageTokenId();
        this.featuresPerImage = config.imageFeatureCount();
        this.eosTokenId = config.textConfig().eosTokenId();
    }

    /**
     * The processor of a Hugging Face LLaVA directory: {@code tokenizer.json} (pad token from
     * {@code tokenizer_config.json}, else the config's {@code pad_token_id}) and
     * {@code preprocessor_config.json} when present.
     *
     * @throws MmpeftException naming the missing or bad file, or a crop size that does not fit the
     *     vision tower
     */
    public static LlavaProcessor load(Path modelDir, LlavaConfig config) {
        Path pre = modelDir.resolve("preprocessor_config.json");
        int size = config.visionConfig().imageSize();
        ClipImageProcessor images = Files.isRegularFile(pre) ? ClipImageProcessor.read(pre) : ClipImageProcessor.ofSize(size);
        if (images.doCenterCrop() && (images.cropHeight() != size || images.cropWidth() != size)) {
            throw new MmpeftException(pre + ": crop_size " + images.cropHeight() + "x" + images.cropWidth()
                    + " does not match the vision config's image_size " + size);
        }
        OptionalInt pad = config.padTokenId().or(config.textConfig()::padTokenId).map(OptionalInt::of).orElse(OptionalInt.empty());
        return of(images, TextTokenizer.load(modelDir, pad), config);
    }

    /** A processor from its parts (it takes ownership of the tokenizer). */
    public static LlavaProcessor of(ClipImageProcessor images, TextTokenizer tokenizer, LlavaConfig config) {
        return new LlavaProcessor(images, tokenizer, config);
    }

    public ClipImageProcessor imageProcessor() {
        return imageProcessor;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** LLaVA-1.5's prompt for a question about {@code images} images: {@code "USER: <image>\n{question} ASSISTANT:"}. */
    public static String prompt(String question, int images) {
        return "USER: " + (IMAGE + "\n").repeat(images) + question + " ASSISTANT:";
    }

    /** The prompt text of a {@link Prompt}: its input in LLaVA-1.5's format, unless it already holds {@code <image>}. */
    public static String promptText(Prompt p) {
        return p.input().contains(IMAGE) ? p.input() : prompt(p.input(), p.images().size());
    }

    /**
     * The ids of a prompt text with every {@code <image>} expanded to one token per feature.
     *
     * @throws MmpeftException when the text's {@code <image>} count differs from {@code images}, or
     *     the tokenizer does not map {@code <image>} to {@code image_token_index}
     */
    public long[] promptIds(String text, int images, String exampleId) {
        int placeholders = (text.length() - text.replace(IMAGE, "").length()) / IMAGE.length();
        if (placeholders != images) {
            throw new MmpeftException("example '" + exampleId + "': the prompt has " + placeholders + " " + IMAGE + " placeholders for "
                    + images + " images; expected one per image");
        }
        long[] ids = tokenizer.encode(text.replace(IMAGE, IMAGE.repeat(featuresPerImage)));
        long found = Arrays.stream(ids).filter(id -> id == imageTokenId).count();
        if (found != (long) images * featuresPerImage) {
            throw new MmpeftException(tokenizer.source() + ": the tokenizer turned " + ((long) images * featuresPerImage) + " " + IMAGE
                    + " tokens into " + found + " ids " + imageTokenId + " (image_token_index); expected " + IMAGE
                    + " to be one token of that id");
        }
        return ids;
    }

    /** Text of generated ids, special tokens skipped and surrounding spaces trimmed. */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true).strip();
    }

    /** Inputs for generation: pixel values and the prompts, left-padded (no labels). */
    public LlavaInputs generationInputs(List<Prompt> prompts, NDManager manager) {
        return promptInputs(prompts, Side.LEFT, manager);
    }

    /** Inputs for candidate scoring: as for generation, but right-padded. */
    public LlavaInputs scoringInputs(List<Prompt> prompts, NDManager manager) {
        return promptInputs(prompts, Side.RIGHT, manager);
    }

    /** Candidate answer ids for scoring: the tokenizer's full output (starting with BOS, which the scorer drops). */
    public List<long[]> candidateIds(List<String> candidates) {
        List<long[]> out = new ArrayList<>();
        candidates.forEach(c -> out.add(tokenizer.encode(c)));
        return out;
    }

    /**
     * Inputs with labels for training: {@code [prompt, target tokens (BOS dropped), EOS, padding]},
     * right-padded; labels are the ids on the target and EOS, -100 elsewhere.
     *
     * @throws MmpeftException naming the example when a prompt has no target
     */
    public LlavaInputs trainingInputs(List<Prompt> prompts, NDManager manager) {
        List<long[]> ins = new ArrayList<>();
        List<long[]> targets = new ArrayList<>();
        for (Prompt p : prompts) {
            ins.add(promptIds(promptText(p), p.images().size(), p.exampleId()));
            targets.add(targetIds(p));
        }
        CausalLmSequences rows = CausalLmSequences.of(ins, targets, eosTokenId, tokenizer.requirePadId());
        LlavaInputs.Builder b = LlavaInputs.builder()
                .inputIds(rows.padded().idsArray(manager))
                .attentionMask(rows.padded().maskArray(manager))
                .labels(rows.labelsArray(manager));
        images(prompts, manager, b);
        return b.build();
    }

    /** The length of a prompt's training row (prompt, target, EOS): what {@link #trainingInputs} pads it to at least. */
    public int trainingLength(Prompt p) {
        return CausalLmSequences.length(promptIds(promptText(p), p.images().size(), p.exampleId()), targetIds(p));
    }

    private long[] targetIds(Prompt p) {
        return tokenizer.encodePlain(p.target()
                .orElseThrow(() -> new MmpeftException("example '" + p.exampleId() + "': no target text to train on")));
    }

    private LlavaInputs promptInputs(List<Prompt> prompts, Side side, NDManager manager) {
        List<long[]> texts = new ArrayList<>();
        for (Prompt p : prompts) {
            texts.add(promptIds(promptText(p), p.images().size(), p.exampleId()));
        }
        Padded padded = Padded.of(texts, tokenizer.requirePadId(), side);
        LlavaInputs.Builder b = LlavaInputs.builder().inputIds(padded.idsArray(manager)).attentionMask(padded.maskArray(manager));
        images(prompts, manager, b);
        return b.build();
    }

    /** Every prompt's images, in order, as one {@code pixel_values} (none for a text-only batch). */
    private void images(List<Prompt> prompts, NDManager manager, LlavaInputs.Builder b) {
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
