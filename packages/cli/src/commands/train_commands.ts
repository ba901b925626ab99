/**
 * commands/train_commands.ts — `paligemma train` and `paligemma eval`: train the tiny PaliGemma on
 * the synthetic world, and measure any checkpoint on freshly generated test scenes.
 *
 *   paligemma train --out DIR [--steps N] [--batch B] [--seed S] [--resume] [--lr X] [--warmup N]
 *                   [--eval-every N] [--eval-per-task N] [--kernels onnx|reference] [--init DIR]
 *                   [--stage0-steps N] [--json]
 *   paligemma eval  --model DIR [--scenes N] [--seed S] [--tasks caption,detect,vqa,ocr] [--json]
 *   paligemma scenes --out DIR [--per-task N] [--seed S] [--image-size S]
 *
 * Teaches: a long job's command-line contract. `train` shows a progress bar on stderr (loss, lr,
 * steps/s, ETA) to a person at a terminal and one line per validation otherwise; the folder it
 * writes is a Hugging Face checkpoint after every validation (atomically), with loss.csv / loss.png
 * beside it, and `--resume` continues from it exactly. `eval` prints per-task accuracy (exact match
 * for caption / VQA / OCR, box recall at IoU >= 0.5 for detection) on N scenes per task of the test
 * split, starting at scene index seed * 1,000,000 so every seed gives new scenes; `--json` prints
 * one object. `scenes` writes such test scenes as PNG files with a scenes.json of prompts and right
 * answers, to try `generate` on by hand.
 *
 * References: @paligemma-ts/train (trainer.ts, evaluate.ts); nanoGPT's train.py flags.
 */
import cliProgress from "cli-progress";
import { type Command, InvalidArgumentError, Option } from "commander";
import { requireOutputPath } from "../input_paths.ts";
import type { CliIO } from "../main.ts";
import { parseNonNegativeInt, parsePositiveInt, parseSeed } from "../option_values.ts";

interface TrainOptions {
  out: string;
  steps?: number;
  batch?: number;
  seed?: number;
  resume?: boolean;
  lr?: number;
  warmup?: number;
  evalEvery?: number;
  evalPerTask?: number;
  kernels?: "onnx" | "reference";
  init?: string;
  stage0Steps?: number;
  json?: boolean;
}

interface EvalOptions {
  model: string;
  /** With a Hub id for --model (the option is added by serve_commands.ts to every --model command). */
  revision?: string;
  scenes: number;
  seed: number;
  tasks?: string;
  json?: boolean;
}

const parsePositiveNumber = (v: string) => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError("Expected a number > 0.");
  return n;
};

/** Add `train` and `eval` to the program. */
export function addTrainCommands(program: Command, io: CliIO): void {
  program
    .command("train")
    .description("train the tiny PaliGemma from scratch on the synthetic world into --out (a Hugging Face checkpoint folder)")
    .requiredOption("--out <dir>", "checkpoint folder to write (and --resume from)")
    .option("--steps <n>", "optimizer steps (default 5000)", parsePositiveInt)
    .option("--batch <b>", "examples per step (default 64)", parsePositiveInt)
    .option("--seed <s>", "initialization and data stream seed (default 0)", parseSeed)
    .option("--resume", "continue the run found in --out")
    .option("--lr <x>", "peak learning rate (default 1e-3)", parsePositiveNumber)
    .option("--warmup <n>", "warmup steps (default 200)", parsePositiveInt)
    .option("--eval-every <n>", "validate and checkpoint every n steps (default 500)", parsePositiveInt)
    .option("--eval-per-task <n>", "validation scenes per task (default 50)", parsePositiveInt)
    .addOption(new Option("--kernels <k>", "onnx (one fused session per step) or reference (plain TypeScript, slow)").choices(["onnx", "reference"]))
    .option("--init <dir>", "initialize from another checkpoint's tensors of the same names (e.g. a stage-0 vision tower)")
    .option("--stage0-steps <n>", "first pretrain the vision tower contrastively (SigLIP loss) for n steps into DIR-stage0 and start from it; 0 = random start (default 600)", parseNonNegativeInt)
    .option("--json", "print the final log row as one JSON object")
    .action(async (o: TrainOptions) => runTrain(o, io));

  program
    .command("eval")
    .description("per-task accuracy of a checkpoint on freshly generated test scenes of the synthetic world")
    .requiredOption("--model <dir>", "checkpoint folder")
    .option("--scenes <n>", "scenes per task", parsePositiveInt, 100)
    .option("--seed <s>", "which fresh scenes: the test split from index seed * 1,000,000", parseSeed, 0)
    .option("--tasks <list>", "comma-separated subset of caption,detect,vqa,ocr")
    .option("--json", "print exactly one JSON object on stdout")
    .action(async (o: EvalOptions) => runEval(o, io));

  program
    .command("scenes")
    .description("write fresh test scenes of the synthetic world as PNG files, with scenes.json (task, prompt, right answer)")
    .requiredOption("--out <dir>", "folder to write")
    .option("--per-task <n>", "scenes per task", parsePositiveInt, 1)
    .option("--seed <s>", "which fresh scenes: the test split from index seed * 1,000,000", parseSeed, 0)
    .option("--image-size <s>", "image side in pixels (the tiny model's is 64)", parsePositiveInt, 64)
    .action(async (o: ScenesOptions) => runScenes(o, io));
}

interface ScenesOptions {
  out: string;
  perTask: number;
  seed: number;
  imageSize: number;
}

async function runScenes(o: ScenesOptions, io: CliIO): Promise<void> {
  requireOutputPath(o.out, "--out", [], "folder");
  const { worldConfig, writeTestScenes } = await import("@paligemma-ts/train");
  const files = await writeTestScenes(o.out, worldConfig({ imageSize: o.imageSize }), { perTask: o.perTask, seed: o.seed });
  for (const f of files) io.stdout.write(`${f.file}\t${f.prompt}\t${f.answer}\n`);
  io.stderr.write(`paligemma: ${files.length} test scenes (seed ${o.seed}) -> ${o.out}/ (prompts and answers in scenes.json)\n`);
}

async function runTrain(o: TrainOptions, io: CliIO): Promise<void> {
  requireOutputPath(o.out, "--out", o.init !== undefined ? [{ path: o.init, what: "--init" }] : [], "folder"); // before the (slow) import and build
  const { train, TRAIN_DEFAULTS } = await import("@paligemma-ts/train");
  const settings = Object.fromEntries(Object.entries({ steps: o.steps, batch: o.batch, seed: o.seed, lr: o.lr, warmup: o.warmup, evalEvery: o.evalEvery, evalPerTask: o.evalPerTask, kernels: o.kernels, init: o.init, stage0Steps: o.stage0Steps }).filter(([, v]) => v !== undefined));
  const tty = !o.json && io.stderr.isTTY === true && io.stderr === process.stderr;
  const bar = tty ? new cliProgress.SingleBar({ stream: process.stderr, format: "train |{bar}| {value}/{total} | loss {loss} | lr {lr} | {rate} steps/s | eta {eta_formatted}", hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  let started = false;
  let t0 = performance.now();
  let first = 0;
  const log = await train(o.out, settings, {
    resume: o.resume,
    log: (line) => io.stderr.write(`paligemma: ${line}\n`),
    onStep: (r) => {
      if (!started) {
        started = true;
        first = r.step - 1;
        t0 = performance.now();
        bar?.start((settings.steps as number | undefined) ?? TRAIN_DEFAULTS.steps, first, { loss: "-", lr: "-", rate: "-" });
      }
      const rate = ((r.step - first) / ((performance.now() - t0) / 1000)).toFixed(2);
      bar?.update(r.step, { loss: r.loss.toFixed(4), lr: r.lr.toExponential(2), rate });
    },
    onEval: (step, summary) => {
      const line = `paligemma: step ${step}: validation ${summary}\n`;
      if (bar) bar.updateETA();
      io.stderr.write(bar ? `\n${line}` : line);
    },
  });
  bar?.stop();
  const last = log[log.length - 1];
  if (o.json) io.stdout.write(`${JSON.stringify({ out: o.out, ...last })}\n`);
  else io.stdout.write(`${o.out}: step ${last.step}, loss ${last.loss.toFixed(4)}${last.val ? `, validation ${Object.entries(last.val).map(([t, a]) => `${t} ${(100 * a).toFixed(1)}%`).join(" ")}` : ""}\n`);
}

async function runEval(o: EvalOptions, io: CliIO): Promise<void> {
  const [{ PaliGemma }, { evaluate, worldConfig, TASK_NAMES }] = await Promise.all([import("@paligemma-ts/paligemma"), import("@paligemma-ts/train")]);
  const tasks = o.tasks ? o.tasks.split(",").map((t) => t.trim()) : [...TASK_NAMES];
  const { CliUsageError } = await import("../errors.ts");
  for (const t of tasks) if (!(TASK_NAMES as readonly string[]).includes(t)) throw new CliUsageError(`--tasks: unknown task "${t}" (expected some of ${TASK_NAMES.join(", ")})`);
  const opened = await PaliGemma.open(o.model, { revision: o.revision }); // a folder or a cached Hub id
  const model = await PaliGemma.load(opened);
  const size = model.config.vision_config.image_size;
  const world = worldConfig({ imageSize: size, patchSize: model.config.vision_config.patch_size });
  const t0 = performance.now();
  const r = await evaluate(model, world, { perTask: o.scenes, start: o.seed * 1_000_000, tasks: tasks as never });
  await model.dispose();
  opened.close();
  const seconds = (performance.now() - t0) / 1000;
  if (o.json) io.stdout.write(`${JSON.stringify({ model: o.model, scenes: o.scenes, seed: o.seed, seconds, results: r.results })}\n`);
  else io.stdout.write(`${r.summary}\n`);
  if (!o.json) io.stderr.write(`paligemma: ${o.scenes} test scenes per task (seed ${o.seed}) in ${seconds.toFixed(1)} s\n`);
}
