/**
 * cli.test.ts — the `paligemma` command end to end, spawned as a user runs it (node bin/paligemma.mjs,
 * which loads src/main.ts through tsx).
 *
 * Checks, for both tiny fixtures and both backends:
 *   - `generate --json --max-new-tokens 12 --ignore-eos` reproduces golden `input_ids` and the
 *     12 golden greedy ids EXACTLY (ids, not floats: no tolerance), for every prompt in golden.json;
 *   - `score --json` matches golden `score.mean_suffix_nll` within 1e-4 (absolute);
 *   - --draw writes a PNG; --stream prints the same text as the JSON answer;
 *   - `--image a --image b` is one prompt about both (2 x N image tokens), the same answer as the
 *     library's generate with the image list; `--num-beams 1` reproduces the greedy goldens, more beams
 *     add a "score"; "segment" without the mask decoder says so in one stderr line, `--vae` a missing
 *     file is a usage error;
 *   - `--dtype int8-lowmem` (int8, MLP down_proj int4) scores within 0.5 of the golden NLL (the bound
 *     onnx_quantized.test.ts gives any int4 decoder linear);
 *   - `cache verify` passes on a fresh cache and names a file with a flipped byte (exit 1, one error
 *     line); `cache clear --model` of another checkpoint keeps it, `cache clear` removes the dir;
 *   - Linux: the launcher re-executes itself once with MALLOC_MMAP_THRESHOLD_=1048576, and keeps a
 *     value the user set (seen through a --require hook that logs each process's setting);
 *   - bad input (missing model dir, config.json not JSON, a file that is not an image, --device tpu)
 *     exits non-zero with ONE stderr line naming the problem, and no stack trace.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Run, ROOT, VAE, cli, expectOneLineError, fixtureDir } from "./run_cli.ts";

const FIXTURES = ["paligemma-tiny", "paligemma2-tiny"] as const;
const BACKENDS = ["reference", "onnx"] as const;
const NLL_TOL = 1e-4;

interface Golden {
  cases: { prompt: string; input_ids: number[]; greedy_ids: number[] }[];
  score: { prefix: string; suffix: string; input_ids: number[]; mean_suffix_nll: number };
}

const golden = (name: string): Golden => JSON.parse(readFileSync(join(fixtureDir(name), "golden.json"), "utf8"));

const tmp = mkdtempSync(join(tmpdir(), "paligemma-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(FIXTURES)("%s", (fixture) => {
  const g = golden(fixture);
  const model = fixtureDir(fixture);
  const image = join(model, "image.png");

  describe("backend reference", () => backendSuite("reference"));
  describe("backend onnx", () => backendSuite("onnx"));

  function backendSuite(backend: (typeof BACKENDS)[number]): void {
    it.each(g.cases.map((c, i) => [i, c.prompt] as const))("generate case %i (%s) reproduces input_ids and 12 greedy ids", async (i, prompt) => {
      const r = await cli(["generate", "--model", model, "--image", image, "--prompt", prompt, "--json", "--max-new-tokens", "12", "--ignore-eos", "--backend", backend]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines).toHaveLength(1); // exactly one JSON object
      const out = JSON.parse(lines[0]);
      const task = /^(detect|segment) /.test(prompt); // the structured tasks add their objects
      expect(Object.keys(out).sort()).toEqual(["generatedIds", "inputIds", ...(task ? ["objects"] : []), "text", "timings"]);
      if (task) expect(Array.isArray(out.objects)).toBe(true);
      expect(Object.keys(out.timings).sort()).toEqual(["decodeMsPerToken", "loadMs", "prefillMs", "visionMs"]);
      for (const v of Object.values(out.timings)) expect(v).toBeTypeOf("number");
      expect(typeof out.text).toBe("string");
      expect(out.inputIds).toEqual(g.cases[i].input_ids);
      expect(out.generatedIds).toEqual(g.cases[i].greedy_ids);
    });

    it("score --json matches golden mean_suffix_nll", async () => {
      const r = await cli(["score", "--model", model, "--image", image, "--prefix", g.score.prefix, "--suffix", g.score.suffix, "--json", "--backend", backend]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      const diff = Math.abs(out.meanNll - g.score.mean_suffix_nll);
      console.log(`${fixture}/${backend} score: meanNll ${out.meanNll} golden ${g.score.mean_suffix_nll} |diff| ${diff.toExponential(2)} (tol ${NLL_TOL})`);
      expect(out.inputIds).toEqual(g.score.input_ids);
      expect(diff).toBeLessThan(NLL_TOL);
    });
  }

  it("--stream prints the same text as --json", async () => {
    const args = ["generate", "--model", model, "--image", image, "--prompt", g.cases[0].prompt, "--max-new-tokens", "12", "--ignore-eos"];
    const [streamed, json] = await Promise.all([cli([...args, "--stream"]), cli([...args, "--json"])]);
    expect(streamed.code).toBe(0);
    expect(json.code).toBe(0);
    expect(streamed.stdout).toBe(`${JSON.parse(json.stdout).text}\n`);
  });
});

describe("--draw", () => {
  it("parses <loc> boxes and writes a PNG of the original photo", async () => {
    const out = join(tmp, "sub", "detect.png"); // the folder does not exist yet: --draw creates it
    const photo = join(ROOT, "fixtures", "images", "chelsea.png");
    const r = await cli(["generate", "--model", fixtureDir("paligemma-tiny"), "--image", photo, "--prompt", "detect cat", "--max-new-tokens", "12", "--ignore-eos", "--draw", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/drew .* -> /);
    const png = readFileSync(out);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]); // PNG signature
    const src = readFileSync(photo);
    expect(png.readUInt32BE(16)).toBe(src.readUInt32BE(16)); // IHDR width: the original size, not 56
    expect(png.readUInt32BE(20)).toBe(src.readUInt32BE(20)); // IHDR height
  });
});

describe("several images, beam search, segmentation", () => {
  const model = fixtureDir("paligemma-tiny");
  const a = join(model, "image.png");
  const b = join(ROOT, "fixtures", "images", "chelsea.png");
  const g = golden("paligemma-tiny");

  it("--image a --image b: one prompt with 2 x N image tokens, the library's answer for [[a, b]]", async () => {
    const r = await cli(["generate", "--model", model, "--image", a, "--image", b, "--prompt", "caption en", "--json", "--max-new-tokens", "5", "--ignore-eos", "--backend", "reference"]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    const { PaliGemma } = await import("@paligemma-ts/paligemma");
    const { loadImage } = await import("@paligemma-ts/processor");
    const lib = await PaliGemma.load(model, { backend: "reference" });
    const want = await lib.generate({ images: [[await loadImage(a), await loadImage(b)]], prompts: ["caption en"], maxNewTokens: 5, ignoreEos: true });
    const N = lib.config.num_image_tokens;
    expect(out.inputIds.filter((id: number) => id === lib.config.image_token_index)).toHaveLength(2 * N);
    expect(out.inputIds).toEqual(want.inputIds[0]);
    expect(out.generatedIds).toEqual(want.generatedIds[0]);
    const s = await cli(["score", "--model", model, "--image", a, "--image", b, "--prefix", "caption en", "--suffix", "a cat", "--json"]);
    expect(s.code).toBe(0);
    const scored = JSON.parse(s.stdout);
    const libScore = await lib.score([await loadImage(a), await loadImage(b)], "caption en", "a cat");
    expect(Math.abs(scored.meanNll - libScore.meanNll)).toBeLessThan(1e-4);
    await lib.dispose();
  });

  it("--num-beams 1 reproduces the greedy goldens; --num-beams 3 adds a score", async () => {
    const c = g.cases[0];
    const one = await cli(["generate", "--model", model, "--image", a, "--prompt", c.prompt, "--json", "--max-new-tokens", "12", "--ignore-eos", "--num-beams", "1"]);
    expect(one.stderr).toBe("");
    expect(JSON.parse(one.stdout).generatedIds).toEqual(c.greedy_ids);
    const three = await cli(["generate", "--model", model, "--image", a, "--prompt", c.prompt, "--json", "--max-new-tokens", "6", "--num-beams", "3"]);
    const out = JSON.parse(three.stdout);
    expect(out.score).toBeTypeOf("number");
    expect(out.score).toBeLessThanOrEqual(0);
    const bad = await cli(["generate", "--model", model, "--image", a, "--prompt", c.prompt, "--num-beams", "2", "--temperature", "0.5"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^paligemma: error: --num-beams is deterministic/);
  });

  it("segment without the mask decoder: the answer still prints, one stderr line says masks need it; --vae names the file", async () => {
    const env = { PALIGEMMA_VAE: join(tmp, "no-vae-here.npz") };
    const r = await cli(["generate", "--model", model, "--image", a, "--prompt", "segment cat", "--json", "--max-new-tokens", "4"], env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(r.stderr.trimEnd().split("\n")).toEqual([`paligemma: segmentation masks need the VQ-VAE decoder (big_vision's vae-oid.npz): pass --vae PATH or put it at ${env.PALIGEMMA_VAE}; boxes and labels only`]);
    const withVae = await cli(["generate", "--model", model, "--image", a, "--prompt", "segment cat", "--json", "--max-new-tokens", "4", "--vae", VAE], env);
    expect(withVae.code).toBe(0);
    expect(withVae.stderr).toBe("");
    expect(Array.isArray(JSON.parse(withVae.stdout).objects)).toBe(true); // a segment prompt always lists its objects
    const missing = await cli(["generate", "--model", model, "--image", a, "--prompt", "segment cat", "--vae", join(tmp, "nope.npz")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^paligemma: error: --vae file '.*nope\.npz' does not exist/);
  });
});

describe("errors: one line on stderr, non-zero exit, no stack trace", () => {
  const model = fixtureDir("paligemma-tiny");
  const image = join(model, "image.png");


  it("missing model dir: a usage error (exit 2)", async () => {
    const missing = join(tmp, "no-such-model");
    const r = await cli(["generate", "--model", missing, "--image", image, "--prompt", "caption en"]);
    expectOneLineError(r, /no-such-model/);
    expect(r.code).toBe(2);
  });

  it("config.json that is not JSON", async () => {
    const dir = join(tmp, "bad-config");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const f of ["model.safetensors", "tokenizer.model"]) copyFileSync(join(model, f), join(dir, f));
    writeFileSync(join(dir, "config.json"), "{ this is not json");
    const r = await cli(["generate", "--model", dir, "--image", image, "--prompt", "caption en"]);
    expectOneLineError(r, /config\.json/);
  });

  it("an image file that is not an image", async () => {
    const notImage = join(tmp, "not-an-image.png");
    writeFileSync(notImage, "hello, I am text\n");
    const r = await cli(["generate", "--model", model, "--image", notImage, "--prompt", "caption en"]);
    expectOneLineError(r, /not-an-image\.png/);
  });

  it("missing image file", async () => {
    const r = await cli(["generate", "--model", model, "--image", join(tmp, "nope.jpg"), "--prompt", "caption en"]);
    expectOneLineError(r, /nope\.jpg/);
  });

  it("unknown option value --device tpu", async () => {
    const r = await cli(["generate", "--model", model, "--image", image, "--prompt", "caption en", "--device", "tpu"]);
    expectOneLineError(r, /--device.*tpu/);
  });

  it("bad number --top-p 9", async () => {
    const r = await cli(["generate", "--model", model, "--image", image, "--prompt", "caption en", "--top-p", "9"]);
    expectOneLineError(r, /--top-p.*9/);
  });

  it("prompt too long for the model: a usage error naming the limit, before any weight is loaded", async () => {
    const prompt = "cat ".repeat(9000); // > max_position_embeddings (8192) tokens
    const r = await cli(["generate", "--model", model, "--image", image, "--prompt", prompt, "--max-new-tokens", "1"]);
    expectOneLineError(r, /prompt too long for the model: \d+ tokens .*max_position_embeddings 8192/);
    expect(r.code).toBe(2);
  });

  it("a scored suffix counts toward the positions too", async () => {
    const long = "cat ".repeat(4100);
    const r = await cli(["score", "--model", model, "--image", image, "--prefix", long, "--suffix", long]);
    expectOneLineError(r, /prefix \+ suffix too long for the model/);
  });
});

describe("--dtype int8-lowmem", () => {
  it("scores within the int4 bound of the golden NLL (quantized into a private cache)", async () => {
    const g = golden("paligemma-tiny");
    const model = fixtureDir("paligemma-tiny");
    const args = ["score", "--model", model, "--image", join(model, "image.png"), "--prefix", g.score.prefix, "--suffix", g.score.suffix, "--json", "--dtype", "int8-lowmem"];
    const r = await cli(args, { PALIGEMMA_CACHE: join(tmp, "cache-int8-lowmem") });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const diff = Math.abs(JSON.parse(r.stdout).meanNll - g.score.mean_suffix_nll);
    console.log(`paligemma-tiny int8-lowmem score |diff| ${diff.toExponential(2)} (tol 0.5)`);
    expect(diff).toBeLessThan(0.5);
  });
});

describe("paligemma cache verify|clear", () => {
  it("verify passes on a fresh int8 cache, names a file whose bytes were flipped (exit 1), clear removes the dir", async () => {
    const g = golden("paligemma-tiny");
    const model = fixtureDir("paligemma-tiny");
    const cache = join(tmp, "cache-admin");
    const made = await cli(["score", "--model", model, "--image", join(model, "image.png"), "--prefix", g.score.prefix, "--suffix", g.score.suffix, "--json", "--dtype", "int8"], { PALIGEMMA_CACHE: cache });
    expect(made.code).toBe(0);
    const ok = await cli(["cache", "verify", "--cache", cache]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/1 dir under .*: 0 broken files, 0 stale dirs/);
    const dir = join(cache, "weights", readdirSync(join(cache, "weights"))[0]);
    const victim = readdirSync(dir).filter((f) => f.endsWith(".safetensors")).sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
    const bytes = readFileSync(join(dir, victim));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(join(dir, victim), bytes);
    const bad = await cli(["cache", "verify", "--cache", cache]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`broken: ${victim}: data fails its checksum`);
    expect(bad.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/^paligemma: error: cache verify: 1 broken file, 0 stale dirs/);
    const other = await cli(["cache", "clear", "--cache", cache, "--model", fixtureDir("paligemma2-tiny")]); // not the checkpoint it was made from
    expect(other.code).toBe(0);
    expect(other.stdout).toMatch(/^removed 0 weight-cache dirs \(0\.00 GB\) from .* made from /);
    const cleared = await cli(["cache", "clear", "--cache", cache]);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/^removed 1 weight-cache dir \(/);
    expect(readdirSync(join(cache, "weights"))).toEqual([]);
  });
});

describe.runIf(process.platform === "linux")("launcher: glibc malloc mmap threshold", () => {
  // A --require hook appends "<MALLOC_MMAP_THRESHOLD_ or unset> <PALIGEMMA_MALLOC_TUNED or unset>" per process
  // (main threads only: tsx's loader hooks run on a worker thread, which loads --require too).
  const hookRun = async (env: NodeJS.ProcessEnv): Promise<string[]> => {
    const dir = mkdtempSync(join(tmp, "malloc-"));
    const log = join(dir, "log.txt");
    const hook = join(dir, "hook.cjs");
    writeFileSync(hook, `if (require("node:worker_threads").isMainThread) require("node:fs").appendFileSync(${JSON.stringify(log)}, \`\${process.env.MALLOC_MMAP_THRESHOLD_ ?? "unset"} \${process.env.PALIGEMMA_MALLOC_TUNED ?? "unset"}\\n\`);\n`);
    const r = await cli(["--version"], { NODE_OPTIONS: `--require ${hook}`, MALLOC_MMAP_THRESHOLD_: undefined, PALIGEMMA_MALLOC_TUNED: undefined, GLIBC_TUNABLES: undefined, ...env });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("0.1.0");
    return readFileSync(log, "utf8").trim().split("\n");
  };

  it("re-executes once with 1 MiB when unset", async () => {
    expect(await hookRun({})).toEqual(["unset unset", "1048576 1"]);
  });

  it("keeps the user's MALLOC_MMAP_THRESHOLD_ and opts out with PALIGEMMA_MALLOC_TUNED=0", async () => {
    expect(await hookRun({ MALLOC_MMAP_THRESHOLD_: "65536" })).toEqual(["65536 unset"]);
    expect(await hookRun({ PALIGEMMA_MALLOC_TUNED: "0" })).toEqual(["unset 0"]);
  });
});
