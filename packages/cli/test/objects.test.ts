/**
 * objects.test.ts — what `generate` makes of detect / segment answers, in-process on hand-written
 * answers (the tiny fixtures' random weights never answer with <seg> tokens):
 *   - a segment answer + the fixture mask decoder: one object per "<loc>x4 <seg>x16 label", its mask as
 *     COCO RLE that decodes to exactly the mask placed by the library (segmentObjects);
 *   - without the decoder the objects keep label and box, mask null;
 *   - a detect answer gives boxes without masks; --draw's PNG is written with masks filled.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MaskDecoder, segmentObjects } from "@paligemma-ts/paligemma";
import { type RgbImage, decodeMaskRle, loadImage } from "@paligemma-ts/processor";
import { readNpy } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { answerObjects, drawObjects, maskDecoderPath } from "../src/commands/objects.ts";

const FIX = fileURLToPath(new URL("../../../fixtures/vqvae-random/", import.meta.url));
const codes = readNpy(new Uint8Array(readFileSync(join(FIX, "codes.npy"))));
const row = (b: number) => Array.from((codes.data as Int32Array).subarray(b * 16, (b + 1) * 16));
const seg = (c: number[]) => c.map((v) => `<seg${String(v).padStart(3, "0")}>`).join("");
const answer = `<loc0100><loc0050><loc0800><loc0900>${seg(row(0))} cat ; <loc0300><loc0300><loc1000><loc0700>${seg(row(1))} sofa`;
const tmp = mkdtempSync(join(tmpdir(), "cli-objects-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("answerObjects", () => {
  const image: RgbImage = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3).fill(90) };

  it("segment answer + decoder: label, box and a COCO RLE mask equal to the library's placed mask", async () => {
    const decoder = await MaskDecoder.load(join(FIX, "vae-random.npz"), { backend: "onnx" });
    const found = await answerObjects(answer, image, decoder);
    const lib = await segmentObjects(answer, { width: 64, height: 48 }, decoder);
    expect(found.segmented).toBe(2);
    expect(found.json.map((o) => o.label)).toEqual(["cat", "sofa"]);
    expect(found.json[0].box).toEqual(lib[0].box);
    for (const [i, o] of found.json.entries()) {
      expect(o.mask!.format).toBe("coco-rle");
      expect(o.mask!.size).toEqual([48, 64]);
      expect(decodeMaskRle(o.mask!)).toEqual(lib[i].mask);
    }
    expect(JSON.parse(JSON.stringify(found.json))).toEqual(found.json); // plain JSON
    const file = join(tmp, "seg.png");
    const lines: string[] = [];
    await drawObjects(image, found, file, { stdout: { write: () => true }, stderr: { write: (s: string) => lines.push(s) } });
    expect(lines.join("")).toMatch(/drew 2 boxes and 2 masks: "cat" \[/);
    const drawn = await loadImage(file);
    expect([drawn.width, drawn.height]).toEqual([64, 48]);
    const m = lib[1].mask!;
    const p = m.findIndex((v, i) => v === 1 && !lib[0].mask![i]);
    expect([...drawn.data.subarray(p * 3, p * 3 + 3)]).not.toEqual([90, 90, 90]); // a masked pixel is tinted
    await decoder.dispose();
  });

  it("without the decoder: objects with mask null; a detect answer: boxes only", async () => {
    const bare = await answerObjects(answer, image, null);
    expect(bare.json.map((o) => [o.label, o.mask])).toEqual([["cat", null], ["sofa", null]]);
    const det = await answerObjects("<loc0000><loc0000><loc0512><loc0512> cat", image, null);
    expect(det).toMatchObject({ segmented: 0, json: [{ label: "cat", box: { xmin: 0, ymin: 0, xmax: 32, ymax: 24 } }] });
    expect("mask" in det.json[0]).toBe(false);
    expect((await answerObjects("a cat on a sofa", image, null)).json).toEqual([]);
  });

  it("the decoder is looked for at --vae, else $PALIGEMMA_VAE, else the cache root", async () => {
    expect(await maskDecoderPath(join(FIX, "vae-random.npz"))).toEqual({ path: join(FIX, "vae-random.npz"), found: true, explicit: true });
    const before = process.env.PALIGEMMA_VAE;
    process.env.PALIGEMMA_VAE = join(tmp, "absent.npz");
    expect(await maskDecoderPath(undefined)).toEqual({ path: join(tmp, "absent.npz"), found: false, explicit: false });
    if (before === undefined) delete process.env.PALIGEMMA_VAE;
    else process.env.PALIGEMMA_VAE = before;
  });
});
