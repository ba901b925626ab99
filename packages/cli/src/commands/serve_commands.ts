/**
 * serve_commands.ts — the commands that run PaliGemma as a service or over many images, and fetch
 * models: `paligemma serve`, `paligemma batch`, `paligemma download` (their code lives in
 * @paligemma-ts/serve; these are the command lines), plus `--revision` on every command that takes
 * `--model`, since any of them may name a Hugging Face id from the local cache.
 *
 *   paligemma serve    --model M [--host 127.0.0.1] [--port 8080] [--dtype ...] [--allow-files DIR] [--vae FILE]
 *   paligemma batch    --model M --images DIR|GLOB|LIST.txt --prompt P --out results.jsonl [--batch-size B] [--resume] [--vae FILE]
 *   paligemma download ID [--revision R] [--cache-dir DIR] [--endpoint URL]
 *
 * Registered by main.ts with one call, after its own commands, so the --revision loop sees them all.
 * Leaves out: a daemon mode (run it under a process manager), TLS.
 */
import type { Command } from "commander";
import { parseNonNegativeInt, parsePort, parsePositiveInt } from "../option_values.ts";
import type { CliIO } from "../main.ts";
import type { BatchCommandOptions } from "./batch.ts";
import type { DownloadCommandOptions } from "./download.ts";
import type { ServeCommandOptions } from "./serve.ts";

/** Give `cmd` generate's own options named `longs` (the same Option objects: one definition, parser and default). */
function generateOptions(program: Command, cmd: Command, longs: string[]): Command {
  for (const o of program.commands.find((c) => c.name() === "generate")?.options ?? []) if (longs.includes(o.long ?? "")) cmd.addOption(o);
  return cmd;
}

const RUNTIME = ["--device", "--backend", "--dtype", "--vae"]; // --vae: the mask decoder runs next to the model
const SAMPLING = ["--max-new-tokens", "--temperature", "--top-p", "--top-k", "--seed", "--ignore-eos"];

const MODEL = "checkpoint folder, or a Hugging Face id (org/name) in the local Hub cache";

export function registerServeCommands(program: Command, io: CliIO): void {
  const serve = program
    .command("serve")
    .description("serve a model over HTTP: the playground page at /, an OpenAI-compatible /v1/chat/completions, /v1/generate, /v1/score")
    .requiredOption("--model <model>", MODEL)
    .option("--host <host>", "address to listen on (loopback by default: no authentication)", "127.0.0.1")
    .option("--port <port>", "TCP port (0 picks a free one)", parsePort, 8080)
    .option("--allow-files <dir>", "let requests name file:// images inside this folder (never outside it)")
    .option("--max-queue <n>", "requests that may wait for the model; more get HTTP 429", parseNonNegativeInt, 16)
    .option("--max-batch <n>", "waiting greedy requests batched into one generation", parsePositiveInt, 4)
    .option("--max-tokens <n>", "default max_tokens when a request gives none", parsePositiveInt, 64)
    .option("--body-limit <bytes>", "largest request body", parsePositiveInt, 20 * 1024 * 1024);
  generateOptions(program, serve, RUNTIME).action(async (opts: ServeCommandOptions) => {
    const { runServe } = await import("./serve.ts");
    await runServe(opts, io);
  });

  const batch = program
    .command("batch")
    .description("run one prompt over many images into a JSON Lines file (one line per image), resumable")
    .requiredOption("--model <model>", MODEL)
    .requiredOption("--images <spec>", "a folder, a glob (quote it: 'photos/**/*.jpg') or a text file listing image paths")
    .requiredOption("--prompt <text>", 'e.g. "caption en", "detect cat"')
    .requiredOption("--out <file>", "results.jsonl (appended to with --resume)")
    .option("--batch-size <n>", "images per batched generation (sampled answers run one at a time)", parsePositiveInt, 4)
    .option("--resume", "skip images already in --out (a killed run loses at most its last batch)");
  generateOptions(program, batch, [...SAMPLING, ...RUNTIME]).action(async (opts: BatchCommandOptions) => {
    const { runBatchCommand } = await import("./batch.ts");
    await runBatchCommand(opts, io);
  });

  program
    .command("download")
    .description("download a model from the Hugging Face Hub into the local cache (token: $HF_TOKEN or `huggingface-cli login`); resumable")
    .argument("<id>", "model id, e.g. google/paligemma-3b-pt-224")
    .option("--revision <rev>", "branch, tag or commit", "main")
    .option("--cache-dir <dir>", "Hub cache (default: $HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub)")
    .option("--endpoint <url>", "the Hub's address (default: $HF_ENDPOINT or https://huggingface.co)")
    .action(async (id: string, opts: DownloadCommandOptions) => {
      const { runDownload } = await import("./download.ts");
      await runDownload(id, opts, io);
    });

  for (const cmd of program.commands) {
    const takesModel = cmd.options.some((o) => o.long === "--model");
    if (takesModel && !cmd.options.some((o) => o.long === "--revision")) cmd.option("--revision <rev>", "with a Hugging Face id for --model: the branch, tag or commit in the cache (default main)");
  }
}
