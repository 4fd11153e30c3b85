// mmpeft in JShell, step by step: the fluent API of the README's quickstart, one statement at a time.
//
// Run it from the repository root (./mmpeft builds the SDK on first use and prints the class path):
//   jshell -R-Doffline=true --class-path "$(./mmpeft classpath)" samples/jshell/quickstart.jsh
// or paste the lines below into an interactive `jshell -R-Doffline=true --class-path "$(./mmpeft classpath)"`.

import java.nio.file.*;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.schedule.Schedules;
import dev.mmpeft.datasets.ScienceQa;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.eval.Evaluators;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.models.generation.Predictor;
import dev.mmpeft.samples.quickstart.DefaultModel;

// 1. A model in Hugging Face layout: here the embedded default (any InstructBLIP directory loads the same way).
Path modelDir = DefaultModel.directory();
InstructBlip base = InstructBlip.load(modelDir);
InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, base.config());
System.out.println(base.structuralCount());

// 2. Data in the official ScienceQA layout (a synthetic task the model has never seen), read by the ScienceQA reader.
Path work = Files.createTempDirectory("mmpeft-jshell");
Path data = SyntheticDataset.builder().seed(1).variant(Variant.SHIFTED).train(160).val(16).test(48).imageSize(56).build().writeScienceQa(work.resolve("data"));
var train = DefaultModel.TEMPLATE.renderAll(ScienceQa.reader().root(data).split("train").readAll());
var test = ScienceQa.reader().root(data).split("test").readAll();

// 3. Zero-shot: each option scored by the model's loss (as LAVIS does), scored with ScienceQA's official groups.
var zeroShot = Evaluators.scienceQa().evaluate(test, Predictor.of(base, processor).predict(DefaultModel.TEMPLATE.renderAll(test)));

// 4. LoRA on exactly the sub-layers we choose; the base model stays untouched.
PeftModel<InstructBlip> model = Peft.lora().rank(2).alpha(8).target(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN).on(base, processor, DefaultModel.NAME);
System.out.println(model.trainableParameters());

// 5. Train with the papers' recipe (AdamW, linear decay), a progress bar on the console.
var run = Trainer.builder().optimizer(AdamW.lr(5e-3).weightDecay(0.05)).schedule(Schedules.linearDecayPerEpoch()).epochs(8).batchSize(16).seed(1).listeners("progress").build().fit(model, train);

// 6. Evaluate again and save an adapter that Python PEFT can load.
var tuned = Evaluators.scienceQa().evaluate(test, Predictor.of(model.model(), processor).predict(DefaultModel.TEMPLATE.renderAll(test)));
System.out.printf("zero-shot %.2f%% -> fine-tuned %.2f%% (%d steps)%n", zeroShot.headline(), tuned.headline(), run.steps());
model.save(work.resolve("adapter"));
System.out.println("adapter: " + work.resolve("adapter"));
/exit
