package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Component;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.samples.quickstart.Quickstart;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The default value of every training flag, taken from the one recipe
 * ({@link Quickstart.Options#defaultSetting()} and {@link Quickstart.Options#defaultFullSetting()}),
 * as picocli's default-value provider of {@code train}, {@code quickstart} and {@code sweep}. Why:
 * defaults written into each command's annotations drifted apart (lr 5e-4 in one, 5e-3 in another);
 * from one source they cannot, and {@code ${DEFAULT-VALUE}} shows them in every {@code --help}.
 */
public final class RecipeDefaults implements CommandLine.IDefaultValueProvider {
    /** Option name to default value text. */
    static Map<String, String> values() {
        FineTuning lora = Quickstart.Options.defaultSetting();
        FineTuning full = Quickstart.Options.defaultFullSetting();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("--target", lora.components().stream().sorted().map(Component::name).collect(Collectors.joining(",")));
        m.put("--rank", Integer.toString(lora.rank()));
        m.put("--alpha", number(lora.alpha() / lora.rank()) + "r");
        m.put("--dropout", number(lora.dropout()));
        m.put("--lr", number(lora.learningRate()));
        m.put("--full-lr", number(full.learningRate()));
        m.put("--weight-decay", number(lora.weightDecay()));
        m.put("--schedule", lora.schedule().optionName());
        m.put("--batching", lora.batching().optionName());
        m.put("--epochs", Integer.toString(lora.epochs()));
        m.put("--batch-size", Integer.toString(lora.batchSize()));
        m.put("--patience", Integer.toString(lora.patience()));
        m.put("--seed", Long.toString(lora.seed()));
        return m;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        return arg instanceof OptionSpec o ? values().get(o.longestName()) : null;
    }

    /** {@code 0.005} as {@code 5e-3}, {@code 8.0} as {@code 8}: how people write these numbers. */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) {
            return Long.toString((long) v);
        }
        if (Math.abs(v) >= 1e-2) {
            return Double.toString(v);
        }
        String e = String.format(java.util.Locale.ROOT, "%.6e", v); // 5.000000e-03
        String mantissa = e.substring(0, e.indexOf('e')).replaceAll("0+$", "").replaceAll("\\.$", "");
        int exponent = Integer.parseInt(e.substring(e.indexOf('e') + 1));
        return mantissa + "e" + exponent;
    }
}
