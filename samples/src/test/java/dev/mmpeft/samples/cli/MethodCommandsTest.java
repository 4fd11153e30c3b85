package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.samples.quickstart.DefaultModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code --method} on the command line: {@code inspect} prints every method's per-component report
 * on the real hub configs (counts asserted against the formulas, written out below), and an option
 * of another method, a bad size or a bad combination is one line on stderr with exit code 2.
 */
class MethodCommandsTest {
    // Salesforce/instructblip-flan-t5-xl: T5 d_model 2048, 32 heads x d_kv 64 = 2048, d_ff 5120, 24 + 24 layers
    static final long XL_TOTAL = 4_022_969_088L;
    static final long D = 2048;
    static final long D_FF = 5120;
    static final long LAYERS = 24;
    /** language_projection: Q-Former width 768 -> 2048, with bias. */
    static final long CONNECTOR = 768 * D + D;

    static Path flanT5Xl() {
        return PeftCommandsTest.hubConfig("instructblip-flan-t5-xl");
    }

    /** The numbers of PEFT's summary line. */
    static long[] summary(CliRunner r) {
        Matcher m = Pattern.compile("trainable params: ([\\d,]+) \\|\\| all params: ([\\d,]+) \\|\\| trainable%: ([\\d.]+)").matcher(r.out());
        assertTrue(m.find(), r.toString());
        return new long[] {Long.parseLong(m.group(1).replace(",", "")), Long.parseLong(m.group(2).replace(",", ""))};
    }

    /** The trainable parameters of one row of the per-component table ({@code LLM_FFN  ia3  48  245,760}). */
    static long row(CliRunner r, String part, String method) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(part) + "\\s+" + Pattern.quote(method) + "\\s+\\d+\\s+([\\d,]+)$").matcher(r.out());
        assertTrue(m.find(), part + " " + method + " not in\n" + r.out());
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    @Test
    void ia3ReportOnTheHubConfig() {
        CliRunner r = CliRunner.run("inspect", "--method", "ia3", flanT5Xl().toString());
        assertEquals(0, r.code(), r.toString());
        // PEFT's T5 targets: k and v of the encoder's and decoder's self-attention and the decoder's
        // cross-attention scale their 2048 outputs; wo (feed-forward) scales its 5120 inputs
        long attention = 3 * LAYERS * 2 * D;
        long feedForward = 2 * LAYERS * D_FF;
        assertEquals(540_672, attention + feedForward);
        assertEquals(attention + feedForward, summary(r)[0]);
        assertEquals(XL_TOTAL + attention + feedForward, summary(r)[1]);
        assertEquals(attention, row(r, "LLM_ATTN", "ia3"));
        assertEquals(feedForward, row(r, "LLM_FFN", "ia3"));
        assertTrue(r.out().contains("IA3 on the language model (the method's default targets)"), r.out());
        // one vector per k and v of 72 attention blocks and per wo of 48 feed-forwards
        assertTrue(r.out().lines().anyMatch(l -> l.matches("total\\s+" + (3 * LAYERS * 2 + 2 * LAYERS) + "\\s+540,672")), r.out());

        CliRunner attn = CliRunner.run("inspect", "--method", "ia3", "--target", "LLM_ATTN", "--connector", "tuned", flanT5Xl().toString());
        assertEquals(0, attn.code(), attn.toString());
        assertEquals(attention + CONNECTOR, summary(attn)[0]);
        assertEquals(CONNECTOR, row(attn, "LANGUAGE_PROJECTION", "full"));
        assertTrue(attn.out().contains("on LLM_ATTN; trained in full: LANGUAGE_PROJECTION"), attn.out());
    }

    @Test
    void adapterPrefixAndDoraReportsOnTheHubConfig() {
        CliRunner adapter = CliRunner.run("inspect", "--method", "adapter", "--bottleneck", "64", flanT5Xl().toString());
        assertEquals(0, adapter.code(), adapter.toString());
        // Pfeiffer: one adapter after each of the 48 feed-forward sub-layers: down 2048 x s + s, up s x 2048 + 2048
        long pfeiffer = 2 * LAYERS * (2 * D * 64 + 64 + D);
        assertEquals(12_684_288, pfeiffer);
        assertEquals(pfeiffer, summary(adapter)[0]);
        assertTrue(adapter.out().contains("bottleneck adapter (pfeiffer) s=64, relu on the language model"), adapter.out());

        CliRunner factor = CliRunner.run("inspect", "--method", "adapter", "--reduction-factor", "32", flanT5Xl().toString());
        assertEquals(0, factor.code(), factor.toString());
        assertEquals(pfeiffer, summary(factor)[0], "2048 / 32 = 64");

        CliRunner prefix = CliRunner.run("inspect", "--method", "prefix", "--virtual-tokens", "10", flanT5Xl().toString());
        assertEquals(0, prefix.code(), prefix.toString());
        // PEFT's prompt_embeddings [vt, num_layers x 2 x token_dim]
        assertEquals(10 * LAYERS * 2 * D, summary(prefix)[0]);
        assertEquals(983_040, summary(prefix)[0]);

        CliRunner dora = CliRunner.run("inspect", "--method", "lora", "--dora", "--rank", "1", "--target", "LLM_ATTN", flanT5Xl().toString());
        assertEquals(0, dora.code(), dora.toString());
        // LLM_ATTN: q and v of 3 x 24 attention blocks = 144 linears 2048 -> 2048: LoRA r (in + out), DoRA + out magnitudes
        long linears = 3 * LAYERS * 2;
        assertEquals(589_824, linears * (D + D));
        assertEquals(linears * (D + D) + linears * D, summary(dora)[0]);
        assertTrue(dora.out().contains("DoRA r=1, alpha=8 on LLM_ATTN"), dora.out());
        CliRunner sameDora = CliRunner.run("inspect", "--method", "dora", "--rank", "1", "--target", "LLM_ATTN", flanT5Xl().toString());
        assertEquals(summary(dora)[0], summary(sameDora)[0]);
    }

    @Test
    void adaptionPromptsOnVicunaAndTheirRefusalOnT5() {
        Path vicuna = PeftCommandsTest.hubConfig("instructblip-vicuna-7b");
        CliRunner r = CliRunner.run("inspect", "--method", "adaption-prompt", "--prompt-length", "10", "--adaption-layers", "30",
                vicuna.toString());
        assertEquals(0, r.code(), r.toString());
        // a [1, 10, 4096] prompt and a one-element gate on each of the top 30 of 32 layers
        assertEquals(30 * (10 * 4096 + 1), summary(r)[0]);
        assertEquals(1_228_830, summary(r)[0]);
        assertTrue(r.out().contains("adaption prompt len=10 on the top 30 layers\n"), r.out());
        // the table's columns stay aligned with a method label longer than "lora": every line as wide as the header
        List<String> table = r.out().lines().dropWhile(l -> !l.startsWith("part ")).toList();
        assertEquals(List.of("part", "LLM_ATTN", "total"), table.stream().map(l -> l.split(" ")[0]).toList());
        assertEquals(1, table.stream().mapToInt(String::length).distinct().count(), String.join("\n", table));

        CliRunner t5 = CliRunner.run("inspect", "--method", "adaption-prompt", flanT5Xl().toString());
        assertEquals(1, t5.code(), t5.toString());
        assertEquals(1, t5.err().strip().lines().count(), t5.err());
        assertTrue(t5.err().startsWith("mmpeft inspect: adaption prompts (LLaMA-Adapter) are for LLaMA-family language models only"), t5.err());
    }

    @Test
    void loraThroughMethodGivesTheSameReportAsBefore() {
        CliRunner viaMethod = CliRunner.run("inspect", "--method", "lora", "--rank", "1", "--target", "QFORMER_SELF_ATTN", flanT5Xl().toString());
        CliRunner classic = CliRunner.run("inspect", "--lora-rank", "1", "--target", "QFORMER_SELF_ATTN", flanT5Xl().toString());
        assertEquals(0, viaMethod.code(), viaMethod.toString());
        assertEquals(classic.out(), viaMethod.out());
        assertEquals(36_864, summary(viaMethod)[0]);
    }

    @Test
    void trainAnotherMethodWithTheConnectorThenEvaluateItsAdapter(@TempDir Path tmp) throws Exception {
        SmallTask.isolateCache(tmp.resolve("cache"));
        Path model = DefaultModel.directory();
        Path data = SyntheticDataset.builder().seed(3).variant(Variant.SHIFTED).train(16).val(8).test(8).imageSize(56).choices(4)
                .build().writeScienceQa(tmp.resolve("data"));
        Path out = tmp.resolve("run");
        CliRunner train = CliRunner.run("train", "--model", model.toString(), "--data", data.toString(), "--output", out.toString(),
                "--method", "adapter", "--bottleneck", "4", "--connector", "tuned", "--lr", "5e-3", "--epochs", "1");
        assertEquals(0, train.code(), train.toString());
        JsonNode summary = Json.read(out.resolve("summary.json"));
        assertEquals(List.of("adapter-pfeiffer-s4-connector", "ADAPTER", "s=4", "tuned"), List.of(summary.get("setting").asText(),
                summary.get("method").asText(), summary.get("size").asText(), summary.get("connector").asText()));
        // Pfeiffer s=4 after the 4 feed-forwards of the default's T5 (d_model 48), and its 48 -> 48 connector
        assertEquals(4 * (2 * 48 * 4 + 4 + 48) + (48 * 48 + 48), summary.get("trainable_parameters").asLong());
        assertEquals("MMPEFT_BOTTLENECK_ADAPTER", Json.read(out.resolve("adapter/adapter_config.json")).get("peft_type").asText());

        CliRunner eval = CliRunner.run("evaluate", "--model", model.toString(), "--adapter", out.resolve("adapter").toString(),
                "--data", data.toString());
        assertEquals(0, eval.code(), eval.toString());
        Matcher m = Pattern.compile("\\(8 examples\\): ([0-9.]+)%").matcher(eval.out());
        assertTrue(m.find(), eval.out());
        assertEquals(summary.get("accuracy").asDouble(), Double.parseDouble(m.group(1)), 0.005, "the saved adapter and connector, loaded back");
    }

    @Test
    void aStudyWithAMethodTheModelCannotTakeFailsBeforeAnyCell(@TempDir Path tmp) {
        SmallTask.isolateCache(tmp.resolve("cache"));
        Path data = SyntheticDataset.builder().seed(3).variant(Variant.SHIFTED).train(4).val(4).test(4).imageSize(56).choices(4)
                .build().writeScienceQa(tmp.resolve("data"));
        Path out = tmp.resolve("study");
        CliRunner r = CliRunner.run("sweep", "--output", out.toString(), "--data", data.toString(), "--methods", "lora,adaption-prompt");
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("mmpeft sweep: adaption prompts (LLaMA-Adapter) are for LLaMA-family language models only"), r.err());
        assertFalse(Files.exists(out.resolve("cells")), "no cell ran, not even zero-shot");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "inspect --method lora --virtual-tokens 10 CONFIG | --virtual-tokens does not apply to --method lora (it is an option of: prefix)",
        "inspect --method prefix --target LLM_FFN CONFIG | --target does not apply to --method prefix (it is an option of: lora, dora, ia3, adapter, mm-adapter)",
        "inspect --method ia3 --dora CONFIG | --dora does not apply to --method ia3 (it is an option of: lora, dora)",
        "inspect --method prefix --rank 4 CONFIG | --rank does not apply to --method prefix (it is an option of: lora, dora)",
        "inspect --method adapter --bottleneck 0 CONFIG | --bottleneck must be >= 1, got 0",
        "inspect --method prefix --virtual-tokens -2 CONFIG | --virtual-tokens must be >= 1, got -2",
        "inspect --method adapter --bottleneck 8 --reduction-factor 4 CONFIG | --bottleneck and --reduction-factor both size the adapter; give one",
        "inspect --method adapter --placement middle CONFIG | --placement: unknown value 'middle'; expected pfeiffer or houlsby",
        "inspect --method loha CONFIG | --method 'loha' is not a PEFT method; expected lora, dora, ia3, adapter, prefix, adaption-prompt, dma (PETAL: train, inspect, sweep) or mm-adapter (LaVIN models)",
        "inspect --method zero-shot CONFIG | --method: 'zero-shot' is not a PEFT method; expected lora, dora, ia3, adapter, prefix, adaption-prompt or mm-adapter",
        "inspect --method ia3 --connector sideways CONFIG | --connector: unknown value 'sideways'; expected frozen or tuned",
        "train --model M --data D --output O --method prefix --rank 4 | --rank does not apply to --method prefix (it is an option of: lora, dora)",
        "train --model M --data D --output O --method ia3 --bottleneck 8 | --bottleneck does not apply to --method ia3 (it is an option of: adapter)",
        "train --model M --data D --output O --full-qformer --method ia3 | --full-qformer trains the Q-Former in full; it takes no --method, size or --connector option",
        "train --model M --data D --output O --connector frozen,tuned | --connector takes one value here (frozen or tuned), got [frozen, tuned]",
        "quickstart --virtual-tokens 10 | --virtual-tokens does not apply to --method lora (it is an option of: prefix)",
        "sweep --methods lora,ia3 --virtual-tokens 5 | --virtual-tokens does not apply to --methods lora,ia3 (it is an option of: prefix)",
        "sweep --methods lora --components LLM_FFN | --components picks the rows of the component x rank grid; with --methods each method takes its default targets",
        "sweep --methods ia3 --method lora | give --methods or --method, not both",
        "sweep --connector tuned | --connector needs --methods (the component x rank grid keeps the connector frozen)",
        "sweep --methods adapter,prefix --ranks 1,2 | --ranks does not apply to --methods adapter,prefix (it is an option of: lora, dora)",
        "bench --full --method ia3 | --full trains every tensor; it takes no --method, --rank or size option",
        "bench --method prefix --rank 4 | --rank does not apply to --method prefix (it is an option of: lora, dora)",
        "bench --method lora --bottleneck 8 | --bottleneck does not apply to --method lora (it is an option of: adapter)",
    })
    void aMethodOptionOnTheWrongMethodIsOneLineAndExitCode2(String command, String message) {
        String[] args = command.replace("CONFIG", flanT5Xl().toString()).split(" ");
        CliRunner r = CliRunner.run(args);
        assertEquals(MmpeftCli.EXIT_USAGE, r.code(), r.toString());
        String commandName = args[0];
        assertEquals("mmpeft " + commandName + ": " + message, r.errLines().get(0), r.toString());
        assertEquals("Try 'mmpeft " + commandName + " --help' for usage.", r.errLines().get(1), r.toString());
        assertEquals("", r.out(), "nothing runs before the flags are checked");
    }
}
