/**
 * masks.test.ts — segmentation masks from the server and from batch, on the tiny fixture model and
 * the fixture mask decoder (fixtures/vqvae-random: random weights in vae-oid.npz's layout):
 *   - segmentAnswer (what the worker runs on an answer and the original image size) gives the
 *     library's placed masks (segmentObjects) as COCO RLE; mask null without a decoder; detect
 *     answers have no segmentations;
 *   - end to end: the worker's decoder is steered (script_hook.ts) to answer with two segmented
 *     objects, since the random weights never write 16 <seg> codes; /v1/generate (plain and
 *     streamed) and runBatch (two images in one batch) return, per image, the masks that
 *     segmentAnswer / segmentObjects compute here for the same answer over that ORIGINAL image;
 *   - without a decoder the same answer keeps label, box and codes with mask null;
 *   - a decoder file that is not there fails the start, naming it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { FastifyInstance } from "fastify";
import { MaskDecoder, PaliGemma, segmentObjects } from "@paligemma-ts/paligemma";
import { decodeMaskRle, loadImage } from "@paligemma-ts/processor";
import { readNpy } from "@paligemma-ts/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageDecoder, type ModelRunner, type SegmentationJson, runBatch, segmentAnswer, startServer } from "../src/index.ts";
import { CHELSEA, ROCKET, TINY, dataUrl, repoPath, startTiny } from "./helpers.ts";

const VAE = repoPath("fixtures/vqvae-random/vae-random.npz");
const codes = readNpy(new Uint8Array(readFileSync(repoPath("fixtures/vqvae-random/codes.npy"))));
const row = (b: number) => Array.from((codes.data as Int32Array).subarray(b * 16, (b + 1) * 16));
const seg = (c: number[]) => c.map((v) => `<seg${String(v).padStart(3, "0")}>`).join("");
const ANSWER = `<loc0100><loc0050><loc0800><loc0900>${seg(row(0))} cat ; <loc0300><loc0300><loc1000><loc0700>${seg(row(1))} sofa`;
const SCRIPT = new URL("./script_hook.ts", import.meta.url).href;

const tmp = mkdtempSync(join(tmpdir(), "paligemma-serve-masks-"));
let decoder: MaskDecoder; // this thread's own copy, to compute what the server should return
let script: { ids: number[]; eos: number };
beforeAll(async () => {
  decoder = await MaskDecoder.load(VAE);
  const opened = await PaliGemma.open(TINY);
  script = { ids: opened.tokenizer.encode(ANSWER), eos: opened.config.eos_token_ids[0] };
  opened.close();
});
afterAll(async () => {
  await decoder.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** Each mask, decoded from its RLE, is the library's mask for the same answer and size. */
async function expectLibraryMasks(segs: SegmentationJson[], text: string, size: { width: number; height: number }) {
  const lib = await segmentObjects(text, size, decoder);
  expect(segs.map((s) => s.label)).toEqual(lib.map((o) => o.label));
  for (const [i, s] of segs.entries()) {
    expect(s.box).toEqual(lib[i].box);
    expect(s.codes).toEqual(lib[i].codes);
    expect(s.mask).toMatchObject({ format: "coco-rle", size: [size.height, size.width] });
    expect(differentPixels(decodeMaskRle(s.mask!), lib[i].mask!)).toBe(0);
  }
}

/** Pixels where two masks differ (toEqual on 270k-value arrays takes a second each). */
function differentPixels(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe("segmentAnswer", () => {
  it("an answer and the image size -> {label, box, codes, mask}: the library's placed masks as COCO RLE", async () => {
    const size = { width: 97, height: 61 };
    const segs = await segmentAnswer(ANSWER, size, decoder);
    expect(segs).toHaveLength(2);
    expect(Object.keys(segs[0])).toEqual(["label", "box", "codes", "mask"]);
    await expectLibraryMasks(segs, ANSWER, size);
    expect(segs.some((s) => s.mask!.counts.length > 1)).toBe(true); // not all-empty masks
    expect(JSON.parse(JSON.stringify(segs))).toEqual(segs); // plain JSON, as it crosses the thread
  });

  it("without a decoder: the same objects with mask null; a detect answer or a caption: none", async () => {
    const size = { width: 97, height: 61 };
    const bare = await segmentAnswer(ANSWER, size, null);
    const full = await segmentAnswer(ANSWER, size, decoder);
    expect(bare).toEqual(full.map((s) => ({ ...s, mask: null })));
    expect(await segmentAnswer("<loc0000><loc0000><loc0512><loc0512> cat", size, decoder)).toEqual([]);
    expect(await segmentAnswer("a cat on a sofa", size, decoder)).toEqual([]);
  });
});

describe("the server and batch with a mask decoder (a steered segment answer)", () => {
  let runner: ModelRunner;
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    runner = await startTiny({ modelHook: SCRIPT, hookData: script, maskDecoder: VAE, maxBatch: 2 });
    ({ app, url } = await startServer({ runner, port: 0 }));
  });
  afterAll(async () => {
    await app?.close();
    await runner?.close();
  });
  const generate = async (body: Record<string, unknown>) => {
    const res = await fetch(`${url}/v1/generate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return (await res.json()) as { text: string; image: { width: number; height: number }; detections: { label: string }[]; segmentations: SegmentationJson[]; batch_size: number };
  };

  it("reports the decoder it loaded", () => {
    expect(runner.info.maskDecoder).toBe(VAE);
  });

  it("/v1/generate: masks equal the library's for the answer over each original image", async () => {
    const [cat, rocket] = await Promise.all([generate({ image: dataUrl(CHELSEA), prompt: "segment cat", max_new_tokens: 64 }), generate({ image: dataUrl(ROCKET), prompt: "segment cat", max_new_tokens: 64 })]);
    for (const [body, size] of [[cat, { width: 451, height: 300 }], [rocket, { width: 640, height: 427 }]] as const) {
      expect(body.image).toEqual(size);
      expect(body.segmentations.map((s) => s.label)).toEqual(["cat", "sofa"]); // the steered answer came through
      expect(body.segmentations).toEqual(await segmentAnswer(body.text, size, decoder));
      await expectLibraryMasks(body.segmentations, body.text, size);
      expect(body.detections.map((d) => d.label)).toEqual(["cat", "sofa"]); // detections as before
    }
  });

  it("stream: true: the done event carries the same segmentations (read with curl)", async () => {
    const file = join(tmp, "body.json");
    writeFileSync(file, JSON.stringify({ image: dataUrl(CHELSEA), prompt: "segment cat", max_new_tokens: 64, stream: true }));
    const { stdout } = await promisify(execFile)("curl", ["-sN", "-H", "content-type: application/json", "--data-binary", `@${file}`, `${url}/v1/generate`], { encoding: "utf8", maxBuffer: 64 << 20 });
    const events = stdout.split("\n\n").filter(Boolean).map((e) => e.replace(/^data: /, ""));
    expect(events.at(-1)).toBe("[DONE]");
    const done = JSON.parse(events.at(-2)!);
    expect(done.type).toBe("done");
    expect(done.segmentations).toEqual(await segmentAnswer(done.text, { width: 451, height: 300 }, decoder));
  });

  it("runBatch: each JSONL line's masks are over its own image, the two rows run as one batch", async () => {
    const images = new ImageDecoder();
    const out = join(tmp, "masks.jsonl");
    try {
      await runBatch({ runner, decoder: images, images: [CHELSEA, ROCKET], prompt: "segment cat", out, batchSize: 2, options: { maxNewTokens: 64 } });
    } finally {
      await images.close();
    }
    const rows = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((r) => r.image)).toEqual([{ width: 451, height: 300 }, { width: 640, height: 427 }]);
    expect(rows.map((r) => r.batch_size)).toEqual([2, 2]);
    for (const r of rows) {
      expect(r.segmentations).toHaveLength(2);
      await expectLibraryMasks(r.segmentations, r.text, r.image);
    }
    const photo = await loadImage(ROCKET);
    expect(rows[1].segmentations[0].mask.size).toEqual([photo.height, photo.width]);
  });
});

describe("without a mask decoder", () => {
  it("the same steered answer: label, box and codes, mask null", async () => {
    const runner = await startTiny({ modelHook: SCRIPT, hookData: script });
    const { app, url } = await startServer({ runner, port: 0 });
    try {
      expect(runner.info.maskDecoder).toBeNull();
      const res = await fetch(`${url}/v1/generate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ image: dataUrl(CHELSEA), prompt: "segment cat", max_new_tokens: 64 }) });
      const body = (await res.json()) as { text: string; segmentations: SegmentationJson[] };
      expect(body.segmentations).toEqual(await segmentAnswer(body.text, { width: 451, height: 300 }, null));
      expect(body.segmentations.map((s) => [s.label, s.codes.length, s.mask])).toEqual([["cat", 16, null], ["sofa", 16, null]]);
    } finally {
      await app.close();
      await runner.close();
    }
  });

  it("a decoder file that does not exist fails the start, naming it", async () => {
    const missing = join(tmp, "no-vae.npz");
    await expect(startTiny({ maskDecoder: missing })).rejects.toThrow(new RegExp(`mask decoder '${missing}' does not exist`));
  });
});
