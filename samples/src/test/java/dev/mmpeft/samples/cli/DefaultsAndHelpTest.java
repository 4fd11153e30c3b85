package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.Component;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.StandardMethods;
import dev.mmpeft.samples.quickstart.Quickstart;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * One recipe for every command that trains: {@code train}, {@code quickstart} and {@code sweep} take
 * the same defaults (shown in each {@code --help}), those defaults are the ones that learn the demo
 * task (the quickstart's), and every option of every command that has a default shows it.
 */
class DefaultsAndHelpTest {
    private static final List<String> TRAINING_COMMANDS = List.of("train", "quickstart", "sweep");

    @Test
    void trainQuickstartAndSweepShowAndUseTheSameRecipeDefaults() {
        Map<String, String> recipe = RecipeDefaults.values();
        // the one recipe, as numbers: the quickstart's LoRA r=2 on cross-attention + LLM FFN, alpha 4r, lr 5e-3
        assertEquals("QFORMER_CROSS_ATTN,LLM_FFN", recipe.get("--target"));
        assertEquals("2", recipe.get("--rank"));
        assertEquals("4r", recipe.get("--alpha"));
        assertEquals("5e-3", recipe.get("--lr"));
        assertEquals("1e-3", recipe.get("--full-lr"));
        assertEquals("15", recipe.get("--epochs"));
        assertEquals("linear-per-epoch", recipe.get("--schedule"));

        for (String command : TRAINING_COMMANDS) {
            CliRunner help = CliRunner.run(command, "--help");
            assertEquals(0, help.code(), help.toString());
            String text = help.out().replaceAll("\\s+", " ");
            CommandLine cl = MmpeftCli.commandLine().getSubcommands().get(command);
            for (Map.Entry<String, String> e : recipe.entrySet()) {
                OptionSpec o = cl.getCommandSpec().findOption(e.getKey());
                if (o == null) {
                    // the sweep's rows and ranks are its grid (--components, --ranks), not one setting
                    assertTrue(command.equals("sweep") && List.of("--target", "--rank").contains(e.getKey()), command + " lacks "
                            + e.getKey());
                    continue;
                }
                String shown = "(default " + e.getValue();
                int at = text.lastIndexOf(" " + e.getKey() + "="); // the option list, after the synopsis
                assertTrue(at >= 0 && text.indexOf(shown, at) >= 0 && text.indexOf(shown, at) < at + 400,
                        command + " --help shows " + e.getKey() + " " + shown + ":\n" + help.out());
            }
        }
    }

    @Test
    void theDefaultsParseToTheQuickstartsSettingInEveryCommand() {
        FineTuning quickstart = Quickstart.Options.defaultSetting();
        FineTuning train = tuningOf("train", "--model", "embedded", "--data", "d", "--output", "o").setting();
        FineTuning qs = tuningOf("quickstart").setting();
        assertEquals(quickstart, train);
        assertEquals(quickstart, qs);
        assertEquals(EnumSet.of(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN), train.components());
        assertEquals(8.0, train.alpha());
        assertEquals(5e-3, train.learningRate());

        RecipeOptions sweep = recipeOf("sweep");
        assertEquals(quickstart, sweep.apply(Quickstart.Options.defaultSetting(), false));
        assertEquals(Quickstart.Options.defaultFullSetting(), sweep.apply(Quickstart.Options.defaultFullSetting(), true));
        FineTuning full = tuningOf("train", "--model", "embedded", "--data", "d", "--output", "o", "--full-qformer").setting();
        assertEquals(StandardMethods.FULL_QFORMER, full.method());
        assertEquals(1e-3, full.learningRate());

        // alpha 4r follows --rank; a plain number stays fixed
        assertEquals(32.0, tuningOf("quickstart", "--rank", "8").setting().alpha());
        assertEquals(16.0, tuningOf("quickstart", "--rank", "8", "--alpha", "16").setting().alpha());
        assertEquals(FineTuning.Schedule.COSINE, tuningOf("quickstart", "--schedule", "cosine").setting().schedule());
    }

    @Test
    void everyOptionWithADefaultShowsItInHelp() {
        CommandLine top = MmpeftCli.commandLine();
        List<String> missing = new ArrayList<>();
        collect(top, missing);
        assertEquals(List.of(), missing, "options whose --help does not show their default");
    }

    private static void collect(CommandLine cl, List<String> missing) {
        for (OptionSpec o : cl.getCommandSpec().options()) {
            boolean flag = o.type() == boolean.class || o.type() == Boolean.class;
            CommandLine.IDefaultValueProvider provider = cl.getCommandSpec().defaultValueProvider();
            String fromProvider = null;
            try {
                fromProvider = provider == null ? null : provider.defaultValue(o);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            String value = fromProvider != null ? fromProvider : o.defaultValue();
            // picocli has already put ${DEFAULT-VALUE} into the description: it must show the value
            String description = String.join(" ", o.description());
            if (!flag && value != null && !o.usageHelp() && !o.versionHelp() && !description.contains(value)) {
                missing.add(cl.getCommandName() + " " + o.longestName());
            }
        }
        cl.getSubcommands().values().forEach(sub -> collect(sub, missing));
    }

    private static Object parsed(String command, String... args) {
        CommandLine top = MmpeftCli.commandLine();
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(args));
        top.parseArgs(all.toArray(String[]::new));
        return top.getSubcommands().get(command).getCommand();
    }

    private static FineTuningOptions tuningOf(String command, String... args) {
        Object c = parsed(command, args);
        if (c instanceof TrainCommand t) {
            return t.tuning;
        }
        return ((QuickstartCommand) c).tuning;
    }

    private static RecipeOptions recipeOf(String command, String... args) {
        return ((SweepCommand) parsed(command, args)).recipe;
    }
}
