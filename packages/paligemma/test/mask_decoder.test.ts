/**
 * mask_decoder.test.ts — the VQ-VAE mask decoder against the reference implementation:
 *   - fixtures/vqvae-random (random weights in vae-oid.npz's layout, D = 512): the 3 golden code
 *     sequences decode to the golden 64x64 masks on BOTH kernel sets (max-abs 1e-4), from the .npz
 *     and from a .safetensors copy;
 *   - another codebook (K = 7, D = 24): the onnx kernels agree with the reference ones (1e-4), and
 *     the shapes of every stage are the documented ones;
 *   - errors name the file / tensor / code; segmentObjects parses, decodes and places.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EagerOps, Tensor, TensorParams, maxAbsDiff, randNormal, readNpy, readNpz, releaseAllSessions, seededRng, writeSafetensors } from "@paligemma-ts/tensor";
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { resizeFloatBilinear } from "@paligemma-ts/processor";
import { MaskDecoder, MaskDecoderError, segmentObjects, vqvaeDecoder, vqvaeWeightSpecs } from "../src/index.ts";

const DIR = fileURLToPath(new URL("../../../fixtures/vqvae-random/", import.meta.url));
const NPZ = join(DIR, "vae-random.npz");
const codes = readNpy(new Uint8Array(readFileSync(join(DIR, "codes.npy"))));
const golden = readNpy(new Uint8Array(readFileSync(join(DIR, "masks64.npy")))); // [3, 64, 64]
const codeRows = Array.from({ length: codes.shape[0] }, (_, b) => Array.from((codes.data as Int32Array).subarray(b * 16, (b + 1) * 16)));
const tmp = mkdtempSync(join(tmpdir(), "mask-decoder-"));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  releaseAllSessions();
});
const TOL = 1e-4;

describe.each(["reference", "onnx"] as const)("MaskDecoder on the %s kernels", (backend) => {
  it("decodes the golden codes to the golden masks (vae-random.npz, D = 512)", async () => {
    const dec = await MaskDecoder.load(NPZ, { backend });
    expect([dec.codebookSize, dec.embeddingDim, dec.kind]).toEqual([128, 512, backend]);
    const masks = await dec.decode(codeRows);
    expect([...masks.shape]).toEqual([3, 64, 64]);
    const d = maxAbsDiff(masks, golden);
    console.log(`${backend} vqvae masks vs golden: max |diff| ${d.toExponential(2)} (tol ${TOL})`);
    expect(d).toBeLessThanOrEqual(TOL);
    const one = await dec.decode([codeRows[1]]); // one object alone = its row of the batch
    expect(maxAbsDiff(one, golden.slice(0, 1, 2))).toBeLessThanOrEqual(TOL);
    expect([...(await dec.decode([])).shape]).toEqual([0, 64, 64]);
    await dec.dispose();
  });

  it("loads the same decoder from a .safetensors copy", async () => {
    const file = join(tmp, `vae-${backend}.safetensors`);
    writeSafetensors(file, Object.fromEntries(readNpz(NPZ)));
    const dec = await MaskDecoder.load(file, { backend });
    const d = maxAbsDiff(await dec.decode(codeRows), golden);
    console.log(`${backend} vqvae from safetensors: max |diff| ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(TOL);
    await dec.dispose();
  });

  it("refuses codes outside the codebook or of the wrong count, naming the object", async () => {
    const dec = await MaskDecoder.load(NPZ, { backend });
    await expect(dec.decode([codeRows[0], [...codeRows[0].slice(1), 128]])).rejects.toThrow(/object 1 has code 128, outside the codebook 0\.\.127/);
    await expect(dec.decode([codeRows[0].slice(2)])).rejects.toThrow(/object 0 has 14 codes, expected 16/);
    await dec.dispose();
  });
});

describe("other codebook widths", () => {
  const [K, D] = [7, 24];
  const rng = seededRng(5);
  const tensors = new Map(vqvaeWeightSpecs(K, D).map(({ name, shape }) => [name, randNormal(shape, rng, name.endsWith("bias") ? 0.1 : 0.15)]));
  const ids = [[0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1], new Array(16).fill(6)];

  it("K = 7, D = 24: onnx == reference (1e-5 of the largest value); each stage has the documented shape", async () => {
    const ref = await MaskDecoder.fromTensors(tensors, "random K7 D24", { backend: "reference" });
    const onnx = await MaskDecoder.fromTensors(tensors, "random K7 D24", { backend: "onnx" });
    expect([onnx.codebookSize, onnx.embeddingDim]).toEqual([K, D]);
    const want = await ref.decode(ids);
    const scale = want.toFloat32().reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const d = maxAbsDiff(await onnx.decode(ids), want) / scale;
    console.log(`K7 D24 onnx vs reference: max |diff| / max |mask| ${d.toExponential(2)} (masks up to ${scale.toFixed(1)})`);
    expect(d).toBeLessThanOrEqual(1e-5);
    expect(want.toFloat32().some((v) => v !== want.toFloat32()[0])).toBe(true); // not a constant output
    const shapes: string[] = [];
    const ops = new EagerOps(new TensorParams(tensors).get);
    vqvaeDecoder(ops, new Tensor("int64", [2, 16], BigInt64Array.from(ids.flat(), BigInt)), (name, x) => shapes.push(`${name} [${x.shape.join(", ")}]`));
    expect(shapes).toEqual([
      "codebook rows [2, 16, 24]", "grid (NCHW) [2, 24, 4, 4]", "decoder.0 [2, 128, 4, 4]", "decoder.2.net [2, 128, 4, 4]", "decoder.3.net [2, 128, 4, 4]",
      "decoder.4 [2, 128, 8, 8]", "decoder.6 [2, 64, 16, 16]", "decoder.8 [2, 32, 32, 32]", "decoder.10 [2, 16, 64, 64]", "decoder.12 [2, 1, 64, 64]",
    ]);
    await ref.dispose();
    await onnx.dispose();
  });

  it("names the file and every missing or misshapen tensor", async () => {
    const broken = new Map(tensors);
    broken.delete("decoder.8.bias");
    broken.set("decoder.0.weight", Tensor.zeros([128, D + 1, 1, 1]));
    await expect(MaskDecoder.fromTensors(broken, "broken.npz")).rejects.toThrow(/mask decoder 'broken\.npz' \(codebook 7 x 24\): 'decoder\.0\.weight' is \[128, 25, 1, 1\], expected \[128, 24, 1, 1\]; missing 'decoder\.8\.bias' \[32\]/);
    await expect(MaskDecoder.fromTensors(new Map(), "empty.npz")).rejects.toThrow(MaskDecoderError);
    await expect(MaskDecoder.load(join(tmp, "nope.npz"))).rejects.toThrow(/mask decoder '.*nope\.npz' does not exist/);
    await expect(MaskDecoder.load(join(DIR, "golden.json"))).rejects.toThrow(/expected a \.npz or \.safetensors file/);
  });
});

describe("segmentObjects", () => {
  it("parses, decodes in one batch and places each mask in its box; without a decoder, masks are null", async () => {
    const seg = (c: number[]) => c.map((v) => `<seg${String(v).padStart(3, "0")}>`).join("");
    const text = `<loc0100><loc0200><loc0700><loc0900>${seg(codeRows[0])} cat ; <loc0000><loc0000><loc1023><loc1023>${seg(codeRows[2])} sofa`;
    const size = { width: 120, height: 90 };
    const dec = await MaskDecoder.load(NPZ, { backend: "reference" });
    const objs = await segmentObjects(text, size, dec);
    expect(objs.map((o) => o.label)).toEqual(["cat", "sofa"]);
    expect(objs[1].maskBox).toEqual({ xmin: 0, ymin: 0, xmax: 120, ymax: 90 });
    // the whole-image box: the mask is the golden 64x64 mask resized to 120x90 (PIL bilinear) and thresholded
    const want = resizeFloatBilinear(golden.toFloat32().subarray(2 * 4096, 3 * 4096), 64, 64, 120, 90);
    const mismatched = want.filter((v, i) => (v > 0 ? 1 : 0) !== objs[1].mask![i]).length;
    console.log(`sofa mask covers ${objs[1].area} of ${120 * 90} pixels; ${mismatched} differ from the golden mask placed`);
    expect(mismatched).toBeLessThanOrEqual(2); // decoded within 2e-6 of the golden: only a value at ~0 may flip
    const m0 = objs[0].mask!;
    const b0 = objs[0].maskBox!;
    for (let y = 0; y < 90; y++) for (let x = 0; x < 120; x++) if (m0[y * 120 + x]) expect(x >= b0.xmin && x < b0.xmax && y >= b0.ymin && y < b0.ymax).toBe(true);
    const bare = await segmentObjects(text, size, null);
    expect(bare.map((o) => [o.label, o.mask, o.area])).toEqual([["cat", null, 0], ["sofa", null, 0]]);
    await dec.dispose();
  });
});
