/**
 * serve_bench.ts — `pnpm bench:serve`: serving throughput, next to the single-request figure of the
 * same run, on the tiny fixture and at the PaliGemma 3B shape (random weights, int8 by default).
 *
 * Measures, per model, in one process (the model in its worker thread, HTTP on 127.0.0.1):
 *   clients   C = 1, 4, 8 concurrent clients (C = 1 is the single-request figure: latency too), each sending R requests back to back (POST
 *             /v1/generate, greedy, eos ignored, T tokens): requests/s and tokens/s over the wall
 *             time; the server batches waiting requests (--max-batch 8)
 *   health    the slowest GET /health while a generation runs (polled every 50 ms): the HTTP
 *             thread's responsiveness during a prefill
 *   batch     runBatch over N images at B = 1, 4, 8: images/s (B = 1 is the single figure)
 * The 3B checkpoint (~11.7 GB float32) is written once by paligemma's bench/random_checkpoint.ts
 * under $PALIGEMMA_BENCH_CACHE or os.tmpdir()/paligemma-ts-bench and reused; int8 weights are cached
 * beside it. Options: --shape tiny|3b|both, --dtype, --tokens T, --requests R, --images N, --json.
 * Absolute numbers depend on the machine and on what else runs on it: compare rows of one run.
 *
 * Reference: DESIGN.md section 10; packages/paligemma/bench/README.md (the single-request bench).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { randomPaliGemma3b } from "@paligemma-ts/paligemma/random-checkpoint";
import { ImageDecoder, ModelRunner, runBatch, startServer } from "../src/index.ts";

const { values: args } = parseArgs({
  options: {
    shape: { type: "string", default: "both" },
    dtype: { type: "string", default: "int8" },
    tokens: { type: "string" },
    requests: { type: "string" },
    images: { type: "string" },
    json: { type: "boolean", default: false },
  },
});
const log = (s: string) => (args.json ? process.stderr : process.stdout).write(`${s}\n`);
const repo = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const IMAGE = repo("fixtures/images/chelsea.png");
const dataUrl = `data:image/png;base64,${fs.readFileSync(IMAGE).toString("base64")}`;

interface Row {
  what: string;
  requestsPerSecond?: number;
  tokensPerSecond?: number;
  imagesPerSecond?: number;
  latencyMs?: number;
  healthMaxMs?: number;
  vsSingle: number;
}

async function generateOnce(url: string, tokens: number): Promise<{ tokens: number; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/generate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ image: dataUrl, prompt: "caption en", max_new_tokens: tokens, ignore_eos: true }) });
  const body = (await res.json()) as { generated_ids: number[] };
  if (res.status !== 200) throw new Error(`bench: HTTP ${res.status} ${JSON.stringify(body)}`);
  return { tokens: body.generated_ids.length, ms: performance.now() - t0 };
}

/** C clients, R requests each, back to back; health polled meanwhile. */
async function clients(url: string, c: number, r: number, tokens: number): Promise<{ rps: number; tps: number; healthMax: number }> {
  let running = true;
  let healthMax = 0;
  const poll = (async () => {
    while (running) {
      const t0 = performance.now();
      await fetch(`${url}/health`);
      healthMax = Math.max(healthMax, performance.now() - t0);
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  const t0 = performance.now();
  const done = await Promise.all(Array.from({ length: c }, async () => {
    let n = 0;
    for (let i = 0; i < r; i++) n += (await generateOnce(url, tokens)).tokens;
    return n;
  }));
  const s = (performance.now() - t0) / 1000;
  running = false;
  await poll;
  return { rps: (c * r) / s, tps: done.reduce((a, b) => a + b, 0) / s, healthMax };
}

async function benchModel(name: string, model: string, dtype: string | undefined, tokens: number, requests: number, images: number): Promise<Row[]> {
  log(`\n## ${name}: loading ${model}${dtype ? ` (${dtype})` : ""} in the worker`);
  const runner = await ModelRunner.start({ model, dtype: dtype as never, maxBatch: 8, maxQueue: 64 });
  const { app, url } = await startServer({ runner, port: 0 });
  const rows: Row[] = [];
  try {
    log(`loaded in ${(runner.info.loadMs / 1000).toFixed(1)} s; ${tokens} tokens per request`);
    for (let i = 0; i < 3; i++) await generateOnce(url, tokens); // warm-up: first-run allocations, session caches
    let one = { rps: 0, tps: 0 };
    for (const c of [1, 4, 8]) {
      const r = await clients(url, c, c === 1 ? requests : Math.max(1, Math.ceil(requests / 2)), tokens);
      if (c === 1) one = r; // the single-request figure: one client, one request at a time
      rows.push({ what: c === 1 ? "1 client (single requests, back to back)" : `${c} concurrent clients`, requestsPerSecond: r.rps, tokensPerSecond: r.tps, latencyMs: c === 1 ? 1000 / r.rps : undefined, healthMaxMs: r.healthMax, vsSingle: r.rps / one.rps });
      log(`  ${c} clients: ${r.rps.toFixed(3)} req/s, ${r.tps.toFixed(2)} tok/s, /health max ${r.healthMax.toFixed(1)} ms`);
    }
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "serve-bench-"));
    const decoder = new ImageDecoder();
    const list = Array.from({ length: images }, (_, i) => {
      const p = path.join(dir, `img${i}.png`);
      fs.symlinkSync(IMAGE, p);
      return p;
    });
    let b1 = 0;
    for (const B of [1, 4, 8]) {
      const out = path.join(dir, `b${B}.jsonl`);
      const p = await runBatch({ runner, decoder, images: list, prompt: "caption en", out, batchSize: B, options: { maxNewTokens: tokens, ignoreEos: true } });
      if (B === 1) b1 = p.imagesPerSecond;
      rows.push({ what: `batch B=${B} (${images} images)`, imagesPerSecond: p.imagesPerSecond, vsSingle: p.imagesPerSecond / b1 });
      log(`  batch B=${B}: ${p.imagesPerSecond.toFixed(3)} images/s`);
    }
    await decoder.close();
    fs.rmSync(dir, { recursive: true, force: true });
  } finally {
    await app.close();
    await runner.close();
  }
  return rows;
}

const results: Record<string, Row[]> = {};
if (args.shape === "tiny" || args.shape === "both") {
  results.tiny = await benchModel("tiny fixture (paligemma-tiny, f32)", repo("fixtures/paligemma-tiny"), undefined, Number(args.tokens ?? 16), Number(args.requests ?? 16), Number(args.images ?? 32));
}
if (args.shape === "3b" || args.shape === "both") {
  const ckpt = randomPaliGemma3b({ tokenizer: repo("fixtures/paligemma-tiny/tokenizer.model"), log });
  process.env.PALIGEMMA_CACHE ??= path.join(path.dirname(ckpt.dir), "weight-cache"); // the quantized weights the bench caches
  results["3b"] = await benchModel(`PaliGemma 3B shape (random weights, ${args.dtype})`, ckpt.dir, args.dtype, Number(args.tokens ?? 8), Number(args.requests ?? 2), Number(args.images ?? 8));
}

const fmt = (x: number | undefined, d = 2) => (x === undefined ? "" : x.toFixed(d));
for (const [k, rows] of Object.entries(results)) {
  log(`\n| ${k} | requests/s | tokens/s | images/s | latency ms | slowest /health ms | vs single |`);
  log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) log(`| ${r.what} | ${fmt(r.requestsPerSecond, 3)} | ${fmt(r.tokensPerSecond)} | ${fmt(r.imagesPerSecond, 3)} | ${fmt(r.latencyMs, 0)} | ${fmt(r.healthMaxMs, 1)} | ${r.vsSingle.toFixed(2)}x |`);
}
if (args.json) process.stdout.write(`${JSON.stringify(results)}\n`);
