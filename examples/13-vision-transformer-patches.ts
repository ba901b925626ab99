/**
 * 13-vision-transformer-patches.ts — how a ViT reads an image: cut it into 14 x 14 patches, project
 * each flattened patch with one shared Linear (= a Conv2d with kernel = stride = 14), add a learned
 * position vector per patch slot. Draws the patch grid on a photo, checks conv2d == unfold + linear
 * (reference and ONNX), and shows why the position embedding is needed: without it the encoder
 * cannot tell a shuffled image from the original (SigLIP's first block of the tiny checkpoint, run
 * with EagerOps on its named weights).
 *
 * Run: pnpm example 13       Lesson: docs/13-vision-transformer-patches.md
 */
import { EagerOps, Tensor, TensorParams, add, conv2d, linear, maxAbsDiff, randNormal, runOps, seededRng } from "@paligemma-ts/tensor";
import { type Detection, type RgbImage, drawDetections, loadImage, preprocessImages, resizeBicubic, saveImage } from "@paligemma-ts/processor";
import { numPatches, siglipEmbeddings, siglipEncoderLayer, siglipWeights } from "@paligemma-ts/siglip";
import { PaliGemma } from "@paligemma-ts/paligemma";

const S = 224; // paligemma-3b-pt-224's image size
const P = 14; // patch size
const G = S / P; // patches per side

// 1. The image the model sees: resized to S x S (aspect ratio not kept), then cut into patches.
const photo = await loadImage("fixtures/images/chelsea.png");
const pixels = preprocessImages([photo], S); // [1, 3, 224, 224], values in [-1, 1]
console.log(`photo ${photo.width}x${photo.height} -> pixel_values [${pixels.shape}]`);
console.log(`${S} / ${P} = ${G} patches per side -> ${G * G} patches of 3 x ${P} x ${P} = ${3 * P * P} numbers each`);

// 2. unfold: [1, 3, S, S] -> [1, N, 3*P*P]; patch n = (row i, col j) with n = i * G + j, values in (c, u, v) order.
function unfold(x: Tensor, patch: number): Tensor {
  const [B, C, H, W] = x.shape;
  const [gh, gw] = [H / patch, W / patch];
  const v = x.toFloat32();
  const out = new Float32Array(B * gh * gw * C * patch * patch);
  let o = 0;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < gh; i++)
      for (let j = 0; j < gw; j++)
        for (let c = 0; c < C; c++)
          for (let u = 0; u < patch; u++)
            for (let w = 0; w < patch; w++) out[o++] = v[((b * C + c) * H + i * patch + u) * W + j * patch + w];
  return new Tensor("float32", [B, gh * gw, C * patch * patch], out); // [B, N, C*P*P]
}
const patches = unfold(pixels, P);
console.log(`unfold -> [${patches.shape}]; patch 0 = top-left corner, patch ${G - 1} = top-right, patch ${G * G - 1} = bottom-right`);

// 3. Patch embedding two ways, with random weights W [D, 3, P, P], b [D] (D = 8 here, 1152 in SigLIP So400m).
const D = 8;
const rng = seededRng(13);
const W = randNormal([D, 3, P, P], rng, 0.05);
const b = randNormal([D], rng, 0.1);
const viaConv = conv2d(pixels, W, b, { stride: P }); // [1, D, G, G]
const convTokens = viaConv.reshape([1, D, G * G]).transpose(1, 2); // [1, N, D]: flatten the grid row by row
const viaLinear = linear(patches, W.reshape([D, 3 * P * P]), b); // [1, N, 588] @ [588, D] -> [1, N, D]
console.log(`conv2d(kernel ${P}, stride ${P}) [${viaConv.shape}] -> tokens [${convTokens.shape}]`);
console.log(`unfold + linear(W reshaped to [${D}, ${3 * P * P}]) -> [${viaLinear.shape}]; max |diff| ${maxAbsDiff(convTokens, viaLinear).toExponential(1)}`);
const viaOnnx = await runOps("onnx", (ops, v) => ops.patchEmbed(v.pixels, "w", "b", P), { pixels }, { w: W, b }); // ONNX Conv + Reshape + Transpose
console.log(`onnx patchEmbed [${viaOnnx.shape}] vs reference: max |diff| ${maxAbsDiff(viaOnnx, convTokens).toExponential(1)}`);

// 4. Positions: attention has no notion of order. Without position embeddings, shuffling the
//    patches just shuffles the outputs (permutation equivariance): the model sees a bag of patches.
const opened = await PaliGemma.open("fixtures/paligemma-tiny"); // SigLIP with image_size 56: 4 x 4 = 16 patches, width 32
const vc = opened.config.vision_config;
const w = siglipWeights(vc, opened.layout.vision); // the tower's weight NAMES
const params = TensorParams.fromCheckpoint(opened.checkpoint); // every tensor read as float32
const ops = new EagerOps(params.get);
opened.close();
const small = preprocessImages([photo], vc.image_size); // [1, 3, 56, 56]
const n = numPatches(vc);
const perm = Array.from({ length: n }, (_, i) => (i * 5 + 3) % n); // a fixed shuffle of the 16 slots
const shuffle = (x: Tensor) => x.gather(perm, 1); // [1, N, Dv] rows reordered
const tokensNoPos = conv2d(small, params.get(w.patch_embedding.weight), params.get(w.patch_embedding.bias), { stride: vc.patch_size }).reshape([1, vc.hidden_size, n]).transpose(1, 2); // [1, N, Dv]
const layer = (x: Tensor) => siglipEncoderLayer(ops, vc, w.layers[0], x); // [1, N, Dv] -> [1, N, Dv]
const positions = params.get(w.position_embedding); // [N, Dv]
console.log(`\ntiny SigLIP: ${vc.image_size}px / ${vc.patch_size} -> ${n} tokens of width ${vc.hidden_size}; position_embedding [${positions.shape}]`);
console.log(`no positions:   layer(shuffle(x)) vs shuffle(layer(x)): max |diff| ${maxAbsDiff(layer(shuffle(tokensNoPos)), shuffle(layer(tokensNoPos))).toExponential(1)}`);
const withPos = (t: Tensor) => add(t, positions); // what siglipEmbeddings does
console.log(`siglipEmbeddings vs conv tokens + position_embedding: max |diff| ${maxAbsDiff(siglipEmbeddings(ops, vc, w, small), withPos(tokensNoPos))}`);
const d = maxAbsDiff(layer(withPos(shuffle(tokensNoPos))), shuffle(layer(withPos(tokensNoPos))));
console.log(`with positions: layer(shuffle(patches) + pos) vs shuffle(layer(patches + pos)): max |diff| ${d.toFixed(2)}`);

// 5. Real sizes: the sequence length grows with the square of the resolution.
for (const res of [224, 448, 896]) console.log(`${res}px: ${res / P} x ${res / P} = ${(res / P) ** 2} image tokens`);
console.log(`patch embedding of SigLIP So400m: ${(1152 * 3 * P * P + 1152).toLocaleString("en-US")} parameters; positions [256, 1152] at 224px`);

// 6. The picture: the 224 x 224 model input (shown at 2x) with its 16 x 16 patch grid; 4 patches labeled.
const shown = upscale(resizeBicubic(photo, S, S), 2);
for (let k = 0; k <= G; k++) {
  const at = Math.min(k * P * 2, shown.width - 1);
  for (let t = 0; t < shown.width; t++) {
    setPixel(shown, at, t, [255, 255, 255]);
    setPixel(shown, t, at, [255, 255, 255]);
  }
}
const box = (nIdx: number): Detection => {
  const [i, j] = [Math.floor(nIdx / G), nIdx % G];
  return { label: `patch ${nIdx}`, box: { xmin: j * P * 2, ymin: i * P * 2, xmax: (j + 1) * P * 2, ymax: (i + 1) * P * 2 } };
};
const drawn = drawDetections(shown, [box(0), box(G - 1), box(7 * G + 7), box(G * G - 1)]);
await saveImage(drawn, "out/13-vit-patches.png");
console.log("wrote out/13-vit-patches.png");

function setPixel(img: RgbImage, x: number, y: number, rgb: readonly number[]): void {
  const p = (y * img.width + x) * 3;
  img.data.set(rgb, p);
}
function upscale(img: RgbImage, f: number): RgbImage {
  const out: RgbImage = { width: img.width * f, height: img.height * f, data: new Uint8Array(img.width * f * img.height * f * 3) };
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const src = (Math.floor(y / f) * img.width + Math.floor(x / f)) * 3; // nearest neighbour
      out.data.set(img.data.subarray(src, src + 3), (y * out.width + x) * 3);
    }
  }
  return out;
}
