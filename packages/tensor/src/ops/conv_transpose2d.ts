/**
 * conv_transpose2d.ts — 2-D transposed convolution ("deconvolution"): the upsampling layer of a
 * convolutional decoder.
 *
 * Teaches: a transposed convolution runs a convolution backwards. Every INPUT pixel scatters a
 * kh x kw stamp of its filter into the output, `stride` pixels apart, and overlapping stamps add:
 *   y[n, o, i*sh + u - ph, j*sw + v - pw] += x[n, c, i, j] * w[c, o, u, v]      (then + b[o])
 *   Ho = (H - 1) * sh - 2 * ph + kh + oph,   Wo = (W - 1) * sw - 2 * pw + kw + opw
 * `padding` crops ph rows/pw columns off each border of the full stamp image; `outputPadding` adds
 * rows/columns at the bottom/right only (to pick one of the sizes a strided conv maps to one input).
 * It is exactly the gradient of conv2d with the same weight w.r.t. its input, which is why the weight
 * is stored [C_in, C_out, kh, kw] (PyTorch and ONNX), the transpose of conv2d's [C_out, C_in, ...].
 * Kernel 4, stride 2, padding 1 doubles H and W: PaliGemma's mask decoder goes 4 -> 8 -> 16 -> 32 -> 64.
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.nn.ConvTranspose2d.html ;
 * V. Dumoulin, F. Visin, "A guide to convolution arithmetic for deep learning" (https://arxiv.org/abs/1603.07285).
 * Leaves out: dilation, groups.
 */
import { ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { type Conv2dOptions, convPair } from "./conv2d.ts";

export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Extra rows/columns at the bottom/right of the output (each < its stride). Default 0. */
  outputPadding?: number | readonly [number, number];
}

/** x [N, C, H, W], weight [C, O, kh, kw], bias [O] or null -> [N, O, Ho, Wo], float32. */
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null, options: ConvTranspose2dOptions = {}): Tensor {
  const op = "convTranspose2d";
  const [sh, sw] = convPair(options.stride, 1, "stride", op);
  const [ph, pw] = convPair(options.padding, 0, "padding", op);
  const [oph, opw] = convPair(options.outputPadding, 0, "outputPadding", op);
  if (oph >= sh || opw >= sw) throw new ShapeError(`${op}: outputPadding [${oph}, ${opw}] must be smaller than the stride [${sh}, ${sw}]`);
  if (x.rank !== 4) throw new ShapeError(`${op}: input must be [N, C, H, W], got [${x.shape.join(", ")}]`);
  if (weight.rank !== 4) throw new ShapeError(`${op}: weight must be [C_in, C_out, kh, kw], got [${weight.shape.join(", ")}]`);
  const [N, C, H, W] = x.shape;
  const [Cw, O, kh, kw] = weight.shape;
  if (C !== Cw) throw new ShapeError(`${op}: input has ${C} channels but weight [${weight.shape.join(", ")}] expects ${Cw} (weight is [C_in, C_out, kh, kw])`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== O)) throw new ShapeError(`${op}: bias must be [${O}], got [${bias.shape.join(", ")}]`);
  const Ho = (H - 1) * sh - 2 * ph + kh + oph;
  const Wo = (W - 1) * sw - 2 * pw + kw + opw;
  if (Ho <= 0 || Wo <= 0) throw new ShapeError(`${op}: padding [${ph}, ${pw}] crops the whole ${(H - 1) * sh + kh}x${(W - 1) * sw + kw} output`);
  const xv = x.toFloat32();
  const wv = weight.toFloat32();
  const bv = bias ? bias.toFloat32() : null;
  const acc = new Float64Array(Ho * Wo); // one output channel at a time, accumulated in float64
  const out = new Float32Array(N * O * Ho * Wo); // [N, O, Ho, Wo]
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      acc.fill(bv ? bv[o] : 0);
      for (let c = 0; c < C; c++) {
        for (let i = 0; i < H; i++) {
          for (let j = 0; j < W; j++) {
            const xs = xv[((n * C + c) * H + i) * W + j];
            if (xs === 0) continue;
            for (let u = 0; u < kh; u++) {
              const y = i * sh + u - ph;
              if (y < 0 || y >= Ho) continue; // cropped by the padding
              for (let v = 0; v < kw; v++) {
                const xx = j * sw + v - pw;
                if (xx < 0 || xx >= Wo) continue;
                acc[y * Wo + xx] += xs * wv[((c * O + o) * kh + u) * kw + v]; // the stamp of pixel (i, j)
              }
            }
          }
        }
      }
      out.set(acc, (n * O + o) * Ho * Wo);
    }
  }
  return new Tensor("float32", [N, O, Ho, Wo], out);
}
