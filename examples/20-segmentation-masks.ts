/**
 * 20-segmentation-masks.ts — from PaliGemma's 16 <seg> codes to a mask on the photo: the VQ-VAE
 * decoder (codebook lookup, convolutions, four transposed convolutions) and big_vision's placement
 * of its 64x64 output in the object's box.
 *
 * The decoder here has RANDOM weights in the real file layout (fixtures/vqvae-random, the same
 * tensor names and shapes as big_vision's vae-oid.npz, D = 512), so its masks are noise-like; the
 * shapes, the math and the placement are the real ones, and the masks match the reference PyTorch
 * decoder's. A hand-made disk mask shows the placement in the box on its own.
 *
 * Run: pnpm example 20       Lesson: docs/20-segmentation-masks.md
 */
import { readFileSync } from "node:fs";
import { MaskDecoder, readMaskDecoderWeights, vqvaeDecoder } from "@paligemma-ts/paligemma";
import { MASK_SIZE, drawSegmentations, loadImage, maskBox, parseSegmentations, placeMask, saveImage } from "@paligemma-ts/processor";
import { EagerOps, Tensor, TensorParams, maxAbsDiff, readNpy, releaseAllSessions } from "@paligemma-ts/tensor";
import { heatmap, panels, savePng } from "./lib/plot.ts";

const FIX = "fixtures/vqvae-random";
const codes = readNpy(new Uint8Array(readFileSync(`${FIX}/codes.npy`))); // int32 [3, 16]
const golden = readNpy(new Uint8Array(readFileSync(`${FIX}/masks64.npy`))); // float32 [3, 64, 64], from PyTorch
const rows = [0, 1, 2].map((b) => Array.from((codes.data as Int32Array).subarray(b * 16, (b + 1) * 16)));

// 1. What the codes are: a segment answer is a box, 16 codebook indices (a 4x4 grid), a label.
const seg = (c: number[]) => c.map((v) => `<seg${String(v).padStart(3, "0")}>`).join("");
const answer = `<loc0000><loc0000><loc1023><loc0880>${seg(rows[0])} cat`;
const photo = await loadImage("fixtures/images/chelsea.png");
const size = { width: photo.width, height: photo.height };
const [obj] = parseSegmentations(answer, size);
console.log(`answer: <loc0000><loc0000><loc1023><loc0880>${seg(rows[0].slice(0, 2))}... (16 <seg> tokens) cat`);
console.log(`parsed: label "${obj.label}", locs [${obj.locs}], codes as the 4x4 latent grid (each an index into a 128-entry codebook):`);
for (let r = 0; r < 4; r++) console.log(`  ${obj.codes.slice(r * 4, r * 4 + 4).map((c) => String(c).padStart(3)).join(" ")}`);

// 2. The decoder, layer by layer (EagerOps: every stage is a Tensor we can look at).
const weights = readMaskDecoderWeights(`${FIX}/vae-random.npz`);
const [K, D] = weights.get("_vq_vae._embedding")!.shape;
console.log(`\ndecoder: ${weights.size} tensors, codebook ${K} x ${D} (random weights, vae-oid.npz's names and shapes)`);
const ops = new EagerOps(new TensorParams(weights).get);
const ids = new Tensor("int64", [1, 16], BigInt64Array.from(rows[0], BigInt));
vqvaeDecoder(ops, ids, (name, x) => console.log(`  ${name.padEnd(14)} [${x.shape.join(", ")}]`));

// 3. Both kernel sets against the reference PyTorch decoder's masks.
for (const backend of ["reference", "onnx"] as const) {
  const dec = await MaskDecoder.load(`${FIX}/vae-random.npz`, { backend });
  const masks = await dec.decode(rows); // [3, 64, 64]
  console.log(`${backend} kernels vs PyTorch masks [${masks.shape.join(", ")}]: max |diff| ${maxAbsDiff(masks, golden).toExponential(2)}`);
  await dec.dispose();
}
const g0 = golden.toFloat32().subarray(0, MASK_SIZE * MASK_SIZE);
const inside = g0.filter((v) => v > 0).length;
console.log(`mask 0: values ${Math.min(...g0).toFixed(3)} .. ${Math.max(...g0).toFixed(3)}; > 0 (inside) on ${inside} of ${MASK_SIZE * MASK_SIZE} cells`);

// 4. Placement, as big_vision: box = int(loc / 1023 * size), PIL bilinear resize into it, > 0.
const box = maskBox(obj.locs, size)!;
console.log(`\nbox on the ${size.width}x${size.height} photo: int(loc / 1023 * size) -> x ${box.xmin}..${box.xmax}, y ${box.ymin}..${box.ymax} (the 64x64 canvas is resized to ${box.xmax - box.xmin}x${box.ymax - box.ymin})`);
const placed = placeMask(g0, obj.locs, size);
console.log(`decoded mask placed: ${placed.area} of ${size.width * size.height} pixels inside`);
const disk = new Float32Array(MASK_SIZE * MASK_SIZE).map((_, i) => (Math.hypot((i % 64) - 31.5, Math.floor(i / 64) - 31.5) < 24 ? 1 : -1));
const eyeLocs = [300, 290, 480, 470];
const diskPlaced = placeMask(disk, eyeLocs, size);
const eyeBox = diskPlaced.box!;
console.log(`a disk mask (radius 24 of 64) in the box x ${eyeBox.xmin}..${eyeBox.xmax}, y ${eyeBox.ymin}..${eyeBox.ymax}: ${diskPlaced.area} pixels (an ellipse: the box is not square)`);

await savePng(await panels([0, 1, 2].map((b) => ({ title: `mask ${b} (64x64)`, image: heatmap(golden.toFloat32().subarray(b * 4096, (b + 1) * 4096), 64, 64, { cell: 3, colormap: "diverging" }) })).concat([{ title: "disk", image: heatmap(disk, 64, 64, { cell: 3, colormap: "diverging" }) }])), "20-masks64.png");
const drawn = drawSegmentations(photo, [{ label: "cat", box: obj.box, mask: placed.mask }, { label: "eye", box: eyeBox, mask: diskPlaced.mask }]);
await saveImage(drawn, "out/20-segment.png");
console.log("wrote out/20-masks64.png and out/20-segment.png");
releaseAllSessions();
