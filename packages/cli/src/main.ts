/**
 * main.ts — the `paligemma` command: parse the command line with commander, run a subcommand.
 *
 *   paligemma generate --model DIR --image FILE [--image FILE...] --prompt TEXT [decoding, device, output options]
 *   paligemma score    --model DIR --image FILE [--image FILE...] --prefix TEXT --suffix TEXT [--json]
 *   paligemma cache    verify|clear [--cache DIR] [--model DIR] [--json]   (the weight cache)
 *   paligemma train    --out DIR [--steps N] [--batch B] [--seed S] [--resume] ...   (commands/train_commands.ts)
 *   paligemma eval     --model DIR [--scenes N] [--seed S] [--json]
 *
 * Teaches: the shape of a well-behaved command-line tool.
 *   - stdout is the answer only (text, or exactly one JSON object with --json); everything for the
 *     person at the terminal (progress, timings, warnings) goes to stderr;
 *   - every failure is ONE line, `paligemma: error: ...`, and a non-zero exit code (errors.ts);
 *   - option values are checked as they are parsed (option_values.ts), choices are listed.
 * The commands (and with them onnxruntime, the tokenizer's wasm, the image codecs) are imported
 * only when an action runs, so `--help` and option errors answer at once.
 * `main(argv)` never calls process.exit: it returns the exit code, so the demo and tests can call
 * it in-process. Run directly (`tsx packages/cli/src/main.ts ...`, the root `pnpm paligemma`
 * script) it sets process.exitCode itself.
 *
 * References: commander (https://github.com/tj/commander.js); POSIX utility conventions
 * (exit status 2 for usage errors).
 *
 * Leaves out: shell completion, config files.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Argument, Command, CommanderError, Option } from "commander";
import { EXIT_OK, EXIT_USAGE, reportError } from "./errors.ts";
import { collect, parseFiniteNumber, parsePositiveInt, parseSeed, parseTemperature, parseTopP } from "./option_values.ts";
import type { GenerateOptions } from "./commands/generate.ts";
import type { ScoreOptions } from "./commands/score.ts";
import type { CacheOptions } from "./commands/cache.ts";
import { addTrainCommands } from "./commands/train_commands.ts";
import { registerServeCommands } from "./commands/serve_commands.ts";

/** Where the command writes; `isTTY` on stderr turns the loading progress bar on. */
export interface CliOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CliIO {
  stdout: CliOutput;
  stderr: CliOutput;
}

const VERSION = "0.1.0";

/** The inputs every model command takes first: which checkpoint, which image. */
function addInputOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--model <dir>", "checkpoint folder (config.json, *.safetensors, tokenizer.model)")
    .requiredOption("--image <file>", "image file (PNG, JPEG, BMP, GIF, TIFF); resized to the model's size; repeat it for a prompt about several images (in order)", collect);
}

/** Where to run and how to print, shared by every model command (listed last in --help). */
function addRuntimeOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--device <device>", "where ONNX sessions run (default: $PALIGEMMA_DEVICE or cpu)").choices(["cpu", "cuda"]))
    .addOption(new Option("--backend <backend>", "kernels: onnx (fast) or reference (plain TypeScript, the spec)").choices(["onnx", "reference"]).default("onnx"))
    .addOption(new Option("--dtype <dtype>", "onnx weights: f32, int8 (fastest first token), int8-lowmem (int8 with int4 MLP down projections: less memory, lower quality) or int4 (fastest decode); quantized once into a disk cache").choices(["f32", "int8", "int8-lowmem", "int4"]))
    .option("--json", "print exactly one JSON object on stdout (no progress bar)");
}

/** Build a fresh commander program whose actions write to `io`. */
export function buildProgram(io: CliIO): Command {
  const program = new Command("paligemma")
    .description("PaliGemma from scratch in TypeScript: caption, answer, detect and score images")
    .version(VERSION)
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // commander's messages start with "error: "; keep them on one line.
      outputError: (s, write) => write(`paligemma: ${s.replace(/\s*\n\s*/g, " ").trim()}\n`),
    });

  const generate = program
    .command("generate")
    .description("answer a prompt about an image (caption, VQA, OCR, detection, segmentation); greedy unless a sampling or beam option is given");
  addInputOptions(generate)
    .requiredOption("--prompt <text>", 'the prefix, e.g. "caption en", "answer en what is this?", "detect cat"')
    .option("--max-new-tokens <n>", "most tokens to generate", parsePositiveInt, 64)
    .option("--temperature <t>", "sample at this temperature (0 = greedy)", parseTemperature)
    .option("--top-p <p>", "sample from the smallest set of tokens with this much probability (implies sampling)", parseTopP)
    .option("--top-k <k>", "sample from the k most likely tokens (implies sampling)", parsePositiveInt)
    .option("--seed <s>", "random seed for sampling, an integer in [0, 2^32 - 1]", parseSeed, 0)
    .option("--num-beams <n>", "beam search with n beams (deterministic)", parsePositiveInt)
    .option("--length-penalty <x>", "beam search: score = sum log p / length^x (default 1; > 1 favors longer answers)", parseFiniteNumber)
    .option("--best-of <n>", "draw n samples, keep the one with the highest mean log-probability", parsePositiveInt)
    .option("--ignore-eos", "keep generating after <eos> (exactly --max-new-tokens tokens)")
    .addOption(new Option("--stream", "print text as tokens arrive").conflicts("json"))
    .option("--draw <out.png>", "parse <loc> boxes (and <seg> masks) in the answer and save the first image with them drawn")
    .option("--vae <file>", "segmentation-mask decoder, big_vision's vae-oid.npz (or a .safetensors copy); default $PALIGEMMA_VAE or ~/.cache/paligemma-ts/vae-oid.npz");
  addRuntimeOptions(generate).action(async (opts: GenerateOptions) => {
      const { runGenerate } = await import("./commands/generate.ts");
      await runGenerate(opts, io);
    });

  const score = program.command("score").description("mean negative log-likelihood of --suffix given the image and --prefix");
  addInputOptions(score)
    .requiredOption("--prefix <text>", 'the prompt, e.g. "caption en"')
    .requiredOption("--suffix <text>", "the answer to score (<eos> is appended)");
  addRuntimeOptions(score).action(async (opts: ScoreOptions) => {
      const { runScore } = await import("./commands/score.ts");
      await runScore(opts, io);
    });

  program
    .command("cache")
    .description("check (verify) or delete (clear) the weight cache of quantized / widened weights")
    .addArgument(new Argument("<action>", "verify: check every file's size and checksum; clear: delete").choices(["verify", "clear"]))
    .option("--cache <dir>", "cache root (default: $PALIGEMMA_CACHE or ~/.cache/paligemma-ts)")
    .option("--model <model>", "clear: only what was made from this checkpoint folder (or Hugging Face id in the local Hub cache)")
    .option("--json", "print exactly one JSON object on stdout")
    .action(async (action: "verify" | "clear", opts: CacheOptions) => {
      const { runCache } = await import("./commands/cache.ts");
      await runCache(action, opts, io);
    });

  addTrainCommands(program, io);
  registerServeCommands(program, io); // serve, batch, download; --revision wherever --model is taken (cache included)
  return program;
}

/** Run the command line `argv` (without "node" and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT_OK;
  } catch (e) {
    // commander already printed its message (or the help / version text).
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    return reportError(e, (s) => io.stderr.write(s));
  }
}

/** True when this file is the program node was started with (tsx main.ts), not an import. */
function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
}
