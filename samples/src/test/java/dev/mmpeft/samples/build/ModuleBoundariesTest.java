package dev.mmpeft.samples.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.archfixture.ReachesIntoCore;
import dev.mmpeft.samples.build.ModuleBoundaries.Module;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The module arrows of the SDK, written down and checked on every class of every module: no
 * module uses another module's {@code ..internal..} packages, and references follow the arrows
 * only, so they stay one-way. A deliberately bad fixture proves the check catches both.
 *
 * <pre>
 * core <- models <- peft          core <- datasets          core <- eval
 * experiments -> peft, datasets, eval, plots          plots -> core, eval
 * serving -> peft
 * samples -> everything
 * </pre>
 */
class ModuleBoundariesTest {
    /** The SDK's modules and their arrows (direct dependencies). */
    static ModuleBoundaries sdk() {
        return new ModuleBoundaries()
                .add(module("core", "dev.mmpeft.core", Set.of(), dev.mmpeft.core.Component.class))
                .add(module("models", "dev.mmpeft.models", Set.of("core"), dev.mmpeft.models.instructblip.InstructBlip.class))
                .add(module("peft", "dev.mmpeft.peft", Set.of("models"), dev.mmpeft.peft.Peft.class))
                .add(module("datasets", "dev.mmpeft.datasets", Set.of("core"), dev.mmpeft.datasets.DatasetReaders.class))
                .add(module("eval", "dev.mmpeft.eval", Set.of("core"), dev.mmpeft.eval.Evaluators.class))
                .add(module("plots", "dev.mmpeft.plots", Set.of("core", "eval"), dev.mmpeft.plots.EvaluationCharts.class))
                .add(module("experiments", "dev.mmpeft.experiments", Set.of("peft", "datasets", "eval", "plots"),
                        dev.mmpeft.experiments.Experiment.class))
                .add(module("serving", "dev.mmpeft.serving", Set.of("peft"), dev.mmpeft.serving.ServingEngine.class))
                .add(module("samples", "dev.mmpeft.samples", Set.of("experiments", "serving"), dev.mmpeft.samples.cli.MmpeftCli.class));
    }

    private static Module module(String name, String root, Set<String> arrows, Class<?> anchor) {
        return new Module(name, root, arrows, ModuleBoundaries.locationOf(anchor), root);
    }

    @Test
    void everyModuleKeepsToItsArrowsAndOutOfOtherModulesInternals() throws Exception {
        ModuleBoundaries sdk = sdk();
        assertEquals(Set.of("core", "models"), sdk.reachable("peft"));
        assertEquals(Set.of("core", "models", "peft", "datasets", "eval", "plots"), sdk.reachable("experiments"));
        assertEquals(Set.of("core", "models", "peft"), sdk.reachable("serving"));
        for (String m : List.of("core", "models", "peft", "datasets", "eval", "plots", "experiments", "serving", "samples")) {
            ModuleBoundaries.Module module = sdk.module(m);
            assertTrue(ModuleBoundaries.classes(module).size() >= 3, m + ": no classes found at " + module.classes());
        }
        assertEquals(List.of(), sdk.violations());
    }

    @Test
    void theBadFixtureIsFlagged() throws Exception {
        // the fixture (test classes in dev.mmpeft.archfixture) pretends to be a module that may use core only
        Path testClasses = ModuleBoundaries.locationOf(ReachesIntoCore.class);
        ModuleBoundaries withFixture = sdk().add(new Module("fixture", "dev.mmpeft.archfixture", Set.of("core"), testClasses,
                "dev.mmpeft.archfixture"));
        List<String> violations = withFixture.violations();
        assertEquals(List.of(
                "fixture: dev.mmpeft.archfixture.ReachesIntoCore -> dev.mmpeft.core.train.internal.Tensors"
                        + " (internal to core)",
                "fixture: dev.mmpeft.archfixture.ReachesIntoModels -> dev.mmpeft.models.nn.Scalars"
                        + " (fixture does not depend on models)"), violations);
    }
}
