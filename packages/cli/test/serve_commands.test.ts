/**
 * serve_commands.test.ts — `paligemma batch`, `serve` and model ids, spawned as a user runs them:
 *   - batch is killed (SIGKILL) midway: every line on disk is whole JSON, whole batches only; then
 *     --resume finishes the rest and every image appears exactly once, rows of the same picture
 *     identical across the two runs and their batches;
 *   - serve prints where it listens, answers /health, exits 0 on SIGTERM;
 *   - --model org/name resolves through HF_HUB_CACHE (and --revision), in generate too;
 *   - usage errors (no images, --revision with a folder) are one line and exit code 2 / 1;
 *   - --vae on batch and serve: found or not (one stderr line for a segment prompt), a missing file
 *     refused before the model loads (the masks themselves: serve's masks.test.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = fileURLToPath(new URL("../bin/paligemma.mjs", import.meta.url));
const TINY = join(ROOT, "fixtures", "paligemma-tiny");
const IMAGES = ["chelsea.png", "coffee.png", "rocket.jpg"].map((f) => join(ROOT, "fixtures", "images", f));
const tmp = mkdtempSync(join(tmpdir(), "paligemma-cli-serve-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The command as a child process (no malloc re-exec: the pid is the process doing the work). */
function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, PALIGEMMA_MALLOC_TUNED: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(args, env);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lineCount = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").split("\n").length - 1 : 0);

describe("paligemma batch", () => {
  it("killed midway loses at most the batch in flight, never leaves a torn line, and --resume completes it", async () => {
    const dir = join(tmp, "many");
    mkdirSync(dir);
    const N = 60;
    for (let i = 0; i < N; i++) symlinkSync(IMAGES[i % 3], join(dir, `img${String(i).padStart(2, "0")}${IMAGES[i % 3].slice(-4)}`));
    const out = join(tmp, "results.jsonl");
    const args = ["batch", "--model", TINY, "--images", dir, "--prompt", "caption en", "--out", out, "--batch-size", "4", "--max-new-tokens", "40", "--ignore-eos"];
    const child = start(args);
    while (lineCount(out) < 8 && child.exitCode === null) await sleep(10); // two batches on disk
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    const text = readFileSync(out, "utf8");
    expect(text.endsWith("\n")).toBe(true); // no torn line
    const killed = text.trim().split("\n").map((l) => JSON.parse(l));
    expect(killed.length).toBeLessThan(N); // it really stopped midway
    expect(killed.length % 4).toBe(0); // whole batches only

    const resumed = await run([...args, "--resume"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`${N - killed.length} images in .* ${killed.length} already in`));
    const rows = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((r) => r.path).sort()).toEqual(Array.from({ length: N }, (_, i) => join(dir, `img${String(i).padStart(2, "0")}${IMAGES[i % 3].slice(-4)}`)).sort());
    const answers = [new Set<string>(), new Set<string>(), new Set<string>()]; // per source picture
    for (const r of rows) answers[Number(/img(\d+)/.exec(r.path)![1]) % 3].add(JSON.stringify(r.generated_ids));
    expect(answers.map((a) => a.size)).toEqual([1, 1, 1]); // batch-independent, run-independent
    expect(rows.every((r) => r.generated_ids.length === 40 && r.prompt === "caption en" && Array.isArray(r.detections))).toBe(true);
  });

  it("usage errors are one line with exit code 2", async () => {
    const res = await run(["batch", "--model", TINY, "--images", join(tmp, "none"), "--prompt", "caption en", "--out", join(tmp, "x.jsonl")]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^paligemma: error: --images .* is not a folder/)]);
  });

  it("--vae: a segment prompt without the decoder says so in one line and still writes every image; a missing --vae file is a usage error", async () => {
    const env = { PALIGEMMA_VAE: join(tmp, "no-vae-here.npz") };
    const out = join(tmp, "seg.jsonl");
    const res = await run(["batch", "--model", TINY, "--images", IMAGES[0], "--prompt", "segment cat", "--out", out, "--max-new-tokens", "4"], env);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`paligemma: segmentation masks need the VQ-VAE decoder (big_vision's vae-oid.npz): pass --vae PATH or put it at ${env.PALIGEMMA_VAE}; boxes and labels only\n`);
    expect(lineCount(out)).toBe(1);
    const withVae = await run(["batch", "--model", TINY, "--images", IMAGES[0], "--prompt", "segment cat", "--out", join(tmp, "seg2.jsonl"), "--max-new-tokens", "4", "--vae", join(ROOT, "fixtures", "vqvae-random", "vae-random.npz")], env);
    expect(withVae.code).toBe(0);
    expect(withVae.stderr).not.toContain("masks need");
    for (const cmd of [["batch", "--images", IMAGES[0], "--prompt", "segment cat", "--out", join(tmp, "seg3.jsonl")], ["serve", "--port", "0"]]) {
      const missing = await run([cmd[0], "--model", TINY, ...cmd.slice(1), "--vae", join(tmp, "nope.npz")]);
      expect(missing.code).toBe(2);
      expect(missing.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^paligemma: error: --vae file '.*nope\.npz' does not exist/)]);
    }
  });
});

describe("paligemma serve", () => {
  it("listens on loopback, answers /health, exits 0 on SIGTERM", async () => {
    const child = start(["serve", "--model", TINY, "--port", "0", "--max-batch", "2"]);
    let stdout = "";
    child.stdout!.on("data", (d) => (stdout += d));
    while (!/http:\/\/127\.0\.0\.1:\d+/.test(stdout) && child.exitCode === null) await sleep(20);
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(stdout)![0];
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string; queue: { maxBatch: number } };
    expect(health).toMatchObject({ status: "ok", queue: { maxBatch: 2 } });
    child.kill("SIGTERM");
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(0);
  });
});

describe("Hugging Face model ids on the command line", () => {
  const cache = join(tmp, "hub");
  const sha = "c".repeat(40);
  const snap = join(cache, "models--org--tiny", "snapshots", sha);
  mkdirSync(snap, { recursive: true });
  mkdirSync(join(cache, "models--org--tiny", "refs"), { recursive: true });
  for (const f of ["config.json", "tokenizer.model", "model.safetensors"]) copyFileSync(join(TINY, f), join(snap, f));
  writeFileSync(join(cache, "models--org--tiny", "refs", "v2"), sha);

  it("generate --model org/tiny --revision v2 reads the cached snapshot, offline", async () => {
    const res = await run(["generate", "--model", "org/tiny", "--revision", "v2", "--image", IMAGES[0], "--prompt", "caption en", "--max-new-tokens", "3", "--json"], { HF_HUB_CACHE: cache });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).generatedIds).toHaveLength(3);
    const missing = await run(["generate", "--model", "org/tiny", "--image", IMAGES[0], "--prompt", "caption en"], { HF_HUB_CACHE: cache }); // no refs/main
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no revision 'main'.*paligemma download org\/tiny/);
  });
});
