/**
 * vqvae_decoder.ts — PaliGemma's segmentation-mask decoder: 16 VQ-VAE codes -> a 64x64 mask, written
 * once against Ops (so it runs on the reference kernels and as one ONNX session).
 *
 * Why this folder (paligemma/src/segmentation/): the decoder is a small model of its own (its weights
 * ship apart from the checkpoint, as big_vision's `vae-oid.npz`) that only PaliGemma's "segment"
 * answers need. It is written against tensor's Ops like SigLIP and Gemma, and it hands its masks to
 * processor (placement in the box, drawing); paligemma is the lowest package that sees both.
 *
 * Teaches: the decoder half of a VQ-VAE (van den Oord et al. 2017; the mask tokenizer of Ning et al.
 * 2023, "All in Tokens"). PaliGemma writes an object's mask as 16 codebook indices, a 4x4 grid of
 * "visual words"; decoding looks each word up and upsamples the grid with convolutions:
 *   codes [B, 16] -> codebook rows [B, 16, D] -> [B, 4, 4, D] -> NCHW [B, D, 4, 4]     (embedding lookup)
 *   conv 1x1 D -> 128, relu                              [B, 128, 4, 4]      decoder.0
 *   2 x residual block: x + conv1x1(relu(conv3x3(relu(conv3x3(x)))))          decoder.2, decoder.3 (.net.0/.2/.4)
 *   4 x (transposed conv k4 s2 p1, relu)  128 -> 128 -> 64 -> 32 -> 16
 *                                        [B, 128, 8, 8] [B, 64, 16, 16] [B, 32, 32, 32] [B, 16, 64, 64]
 *                                                                             decoder.4, .6, .8, .10
 *   conv 1x1 16 -> 1                     [B, 1, 64, 64] -> [B, 64, 64]        decoder.12
 * Outputs are roughly in [-1, 1]; > 0 is "inside the object" (segmentation_mask.ts in processor).
 * big_vision's Flax `ConvTranspose(kernel 4, strides 2, padding 2, transpose_kernel=True)` is the
 * PyTorch/ONNX ConvTranspose2d(k 4, s 2, padding 1): lax pads the dilated input by k - 1 - p = 2.
 * The weights keep their PyTorch names and layouts (conv [O, C, kh, kw], transposed conv [C, O, kh, kw]).
 *
 * References: big_vision/evaluators/proj/paligemma/transfers/segmentation.py (`Decoder`, `ResBlock`,
 * `_get_params`, `_quantized_values_from_codebook_indices`); https://arxiv.org/abs/1711.00937 (VQ-VAE);
 * https://arxiv.org/abs/2301.02229 (the mask VQ-VAE).
 * Leaves out: the encoder half and the codebook training (only decoding is needed at inference).
 */
import type { Block, Ops } from "@paligemma-ts/tensor";

/** Grid of codes per object (4 x 4 = 16 tokens) and the mask side. */
export const CODE_GRID = 4;
export const MASK_SIDE = 64;
/** Channels of the decoder after the first conv, and after each transposed conv. */
const WIDTH = 128;
const UPSAMPLE_OUT = [128, 64, 32, 16] as const;

/** The checkpoint names (PyTorch-style, as in vae-oid.npz). */
export const VQVAE_WEIGHTS = {
  codebook: "_vq_vae._embedding",
  inputConv: "decoder.0",
  resBlocks: ["decoder.2.net", "decoder.3.net"],
  upsample: ["decoder.4", "decoder.6", "decoder.8", "decoder.10"],
  outputConv: "decoder.12",
} as const;

/** Every tensor the decoder reads, with its shape, for a codebook of K entries of width D. */
export function vqvaeWeightSpecs(K: number, D: number): { name: string; shape: number[] }[] {
  const w = VQVAE_WEIGHTS;
  const conv = (name: string, o: number, c: number, k: number) => [{ name: `${name}.weight`, shape: [o, c, k, k] }, { name: `${name}.bias`, shape: [o] }];
  const specs = [{ name: w.codebook, shape: [K, D] }, ...conv(w.inputConv, WIDTH, D, 1)];
  for (const r of w.resBlocks) specs.push(...conv(`${r}.0`, WIDTH, WIDTH, 3), ...conv(`${r}.2`, WIDTH, WIDTH, 3), ...conv(`${r}.4`, WIDTH, WIDTH, 1));
  let c = WIDTH;
  w.upsample.forEach((name, i) => {
    specs.push({ name: `${name}.weight`, shape: [c, UPSAMPLE_OUT[i], 4, 4] }, { name: `${name}.bias`, shape: [UPSAMPLE_OUT[i]] }); // [C_in, C_out, kh, kw]
    c = UPSAMPLE_OUT[i];
  });
  specs.push(...conv(w.outputConv, 1, c, 1));
  return specs;
}

/** x + conv1x1(relu(conv3x3(relu(conv3x3(x))))): [B, 128, h, w] -> same. */
function resBlock<T>(ops: Ops<T>, name: string, x: T): T {
  const conv = (h: T, i: number, padding: number) => ops.conv2d(h, `${name}.${i}.weight`, `${name}.${i}.bias`, { padding });
  const h = ops.relu(conv(ops.relu(conv(x, 0, 1)), 2, 1));
  return ops.add(x, conv(h, 4, 0));
}

/**
 * codes [B, 16] (int64 indices into the codebook) -> masks [B, 64, 64]. `onLayer` sees each stage's
 * output (with EagerOps these are Tensors: the lesson prints their shapes).
 */
export function vqvaeDecoder<T>(ops: Ops<T>, codes: T, onLayer?: (name: string, x: T) => void): T {
  const w = VQVAE_WEIGHTS;
  const see = (name: string, x: T) => (onLayer?.(name, x), x);
  const rows = see("codebook rows", ops.gather(ops.param(w.codebook), codes)); // [B, 16, D]
  const grid = ops.reshape(rows, [0, CODE_GRID, CODE_GRID, -1]); // [B, 4, 4, D]
  let x = see("grid (NCHW)", ops.transpose(grid, [0, 3, 1, 2])); // [B, D, 4, 4]
  x = see(w.inputConv, ops.relu(ops.conv2d(x, `${w.inputConv}.weight`, `${w.inputConv}.bias`))); // [B, 128, 4, 4]
  for (const r of w.resBlocks) x = see(r, resBlock(ops, r, x)); // [B, 128, 4, 4]
  for (const u of w.upsample) x = see(u, ops.relu(ops.convTranspose2d(x, `${u}.weight`, `${u}.bias`, { stride: 2, padding: 1 }))); // H, W doubled
  x = see(w.outputConv, ops.conv2d(x, `${w.outputConv}.weight`, `${w.outputConv}.bias`)); // [B, 1, 64, 64]
  return ops.reshape(x, [0, MASK_SIDE, MASK_SIDE]); // [B, 64, 64]
}

/** The decoder as one block: input "codes" int64 [objects, 16] -> output "masks" [objects, 64, 64]. */
export function vqvaeDecoderBlock(): Block {
  return {
    name: "vqvae_mask_decoder",
    inputs: { codes: { dtype: "int64", dims: ["objects", CODE_GRID * CODE_GRID] } },
    forward: (ops, x) => ({ masks: vqvaeDecoder(ops, x.codes) }),
  };
}
