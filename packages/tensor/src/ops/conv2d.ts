/**
 * conv2d.ts — 2-D convolution (cross-correlation, as in every deep learning library).
 *
 * Teaches: each output pixel is a dot product of a kh x kw x C window of the input with one filter:
 *   y[n, o, i, j] = b[o] + sum_{c, u, v} x[n, c, i*sh + u - ph, j*sw + v - pw] * w[o, c, u, v]
 * (positions outside the input read as 0: zero padding).
 *   Ho = floor((H + 2*ph - kh) / sh) + 1,  Wo = floor((W + 2*pw - kw) / sw) + 1
 * SigLIP's patch embedding is a conv with kernel = stride = patch size: each patch becomes one vector.
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
 * Leaves out: dilation, groups, non-zero padding modes.
 */
import { ArgumentError, ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";

/** Stride and zero padding of a 2-D convolution: one number for both axes, or [h, w]. */
export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

/** `v` as [h, w] non-negative integers (default `dflt`); `op` and `name` go into the error. */
export function convPair(v: number | readonly [number, number] | undefined, dflt: number, name: string, op = "conv2d"): [number, number] {
  const p: [number, number] = v === undefined ? [dflt, dflt] : typeof v === "number" ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= 0)) throw new ArgumentError(`${op}: ${name} must be non-negative integers, got ${JSON.stringify(v)}`);
  if (name === "stride" && p.some((x) => x === 0)) throw new ArgumentError(`${op}: stride must be >= 1, got ${JSON.stringify(v)}`);
  return p;
}

/** x [N, C, H, W], weight [O, C, kh, kw], bias [O] or null -> [N, O, Ho, Wo], float32. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const [sh, sw] = convPair(options.stride, 1, "stride");
  const [ph, pw] = convPair(options.padding, 0, "padding");
  if (x.rank !== 4) throw new ShapeError(`conv2d: input must be [N, C, H, W], got [${x.shape.join(", ")}]`);
  if (weight.rank !== 4) throw new ShapeError(`conv2d: weight must be [O, C, kh, kw], got [${weight.shape.join(", ")}]`);
  const [N, C, H, W] = x.shape;
  const [O, Cw, kh, kw] = weight.shape;
  if (C !== Cw) throw new ShapeError(`conv2d: input has ${C} channels but weight [${weight.shape.join(", ")}] expects ${Cw}`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== O)) throw new ShapeError(`conv2d: bias must be [${O}], got [${bias.shape.join(", ")}]`);
  const Ho = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const Wo = Math.floor((W + 2 * pw - kw) / sw) + 1;
  if (Ho <= 0 || Wo <= 0) throw new ShapeError(`conv2d: kernel ${kh}x${kw} is larger than padded input ${H + 2 * ph}x${W + 2 * pw}`);
  const xv = x.toFloat32();
  const wv = weight.toFloat32();
  const bv = bias ? bias.toFloat32() : null;
  const out = new Float32Array(N * O * Ho * Wo); // [N, O, Ho, Wo]
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          let s = bv ? bv[o] : 0;
          for (let c = 0; c < C; c++) {
            for (let u = 0; u < kh; u++) {
              const y = i * sh + u - ph;
              if (y < 0 || y >= H) continue; // zero padding
              for (let v = 0; v < kw; v++) {
                const xx = j * sw + v - pw;
                if (xx < 0 || xx >= W) continue;
                s += xv[((n * C + c) * H + y) * W + xx] * wv[((o * C + c) * kh + u) * kw + v];
              }
            }
          }
          out[((n * O + o) * Ho + i) * Wo + j] = s;
        }
      }
    }
  }
  return new Tensor("float32", [N, O, Ho, Wo], out);
}
