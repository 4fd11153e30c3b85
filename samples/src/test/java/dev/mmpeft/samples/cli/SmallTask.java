package dev.mmpeft.samples.cli;

import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import java.nio.file.Path;

/** A small copy of the quickstart's shifted task, for command tests that must stay fast. */
final class SmallTask {
    private SmallTask() {}

    static Path write(Path dir) {
        return SyntheticDataset.builder().seed(99).variant(Variant.SHIFTED).train(48).val(16).test(24).imageSize(56).choices(4)
                .build().writeScienceQa(dir);
    }

    /** Points the default model's cache at a folder of the test's own. */
    static void isolateCache(Path dir) {
        System.setProperty("mmpeft.cache", dir.toString());
    }
}
