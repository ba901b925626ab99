/**
 * conv2d_backward.ts — gradients of a 2-D convolution, and of SigLIP's patch embedding built on it.
 *
 * Teaches: the forward (conv2d.ts) is a sum of products
 *   y[n, o, i, j] = b[o] + sum_{c, u, v} x[n, c, i*sh + u - ph, j*sw + v - pw] * w[o, c, u, v]
 * so the backward walks the same loops and sends each dy back along both factors:
 *   db[o]                              += dy[n, o, i, j]
 *   dw[o, c, u, v]                     += dy[n, o, i, j] * x[n, c, i*sh + u - ph, j*sw + v - pw]
 *   dx[n, c, i*sh + u - ph, j*sw + v - pw] += dy[n, o, i, j] * w[o, c, u, v]      (padding: dropped)
 * (dx is the "transposed convolution" of dy with w; dw the correlation of x with dy.) With
 * kernel = stride = P (a ViT patch embedding) the windows do not overlap: every pixel belongs to one
 * patch and dx is just dy @ W, patch by patch.
 *
 * References: PyTorch `convolution_backward`; Dumoulin & Visin, "A guide to convolution arithmetic
 * for deep learning" (https://arxiv.org/abs/1603.07285, transposed convolution);
 * Dosovitskiy et al., "An Image is Worth 16x16 Words" (https://arxiv.org/abs/2010.11929).
 * Leaves out: dilation, groups (the forward has neither).
 */
import { ArgumentError, ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";

export interface Conv2dGrads {
  dx: Tensor;
  dweight: Tensor;
  dbias: Tensor | null;
}

const pairOf = (v: number | [number, number] | undefined, dflt: number): [number, number] => (v === undefined ? [dflt, dflt] : typeof v === "number" ? [v, v] : v);

/** dout [N, O, Ho, Wo], x [N, C, H, W], weight [O, C, kh, kw] -> dx, dweight, dbias [O] (null without bias). */
export function conv2dBackward(
  dout: Tensor,
  x: Tensor,
  weight: Tensor,
  hasBias: boolean,
  options: { stride?: number | [number, number]; padding?: number | [number, number] } = {},
): Conv2dGrads {
  const [sh, sw] = pairOf(options.stride, 1);
  const [ph, pw] = pairOf(options.padding, 0);
  if (![sh, sw].every((s) => Number.isInteger(s) && s >= 1) || ![ph, pw].every((p) => Number.isInteger(p) && p >= 0)) {
    throw new ArgumentError(`conv2dBackward: stride must be integers >= 1 and padding integers >= 0, got ${JSON.stringify(options)}`);
  }
  if (x.rank !== 4 || weight.rank !== 4 || x.shape[1] !== weight.shape[1]) {
    throw new ShapeError(`conv2dBackward: x [N, C, H, W] and weight [O, C, kh, kw] must share C, got x [${x.shape.join(", ")}], weight [${weight.shape.join(", ")}]`);
  }
  const [N, C, H, W] = x.shape;
  const [O, , kh, kw] = weight.shape;
  const Ho = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const Wo = Math.floor((W + 2 * pw - kw) / sw) + 1;
  if (dout.shape.join() !== [N, O, Ho, Wo].join()) {
    throw new ShapeError(`conv2dBackward: dout must be [N, O, Ho, Wo] = [${N}, ${O}, ${Ho}, ${Wo}], got [${dout.shape.join(", ")}]`);
  }
  const xv = x.toFloat32();
  const wv = weight.toFloat32();
  const gv = dout.toFloat32();
  const dx = new Float64Array(xv.length);
  const dw = new Float64Array(wv.length);
  const db = new Float64Array(O);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          const g = gv[((n * O + o) * Ho + i) * Wo + j];
          db[o] += g;
          for (let c = 0; c < C; c++) {
            for (let u = 0; u < kh; u++) {
              const y = i * sh + u - ph;
              if (y < 0 || y >= H) continue; // padding: no input element, no gradient
              for (let v = 0; v < kw; v++) {
                const xx = j * sw + v - pw;
                if (xx < 0 || xx >= W) continue;
                const xi = ((n * C + c) * H + y) * W + xx;
                const wi = ((o * C + c) * kh + u) * kw + v;
                dx[xi] += g * wv[wi];
                dw[wi] += g * xv[xi];
              }
            }
          }
        }
      }
    }
  }
  return {
    dx: new Tensor("float32", x.shape, Float32Array.from(dx)),
    dweight: new Tensor("float32", weight.shape, Float32Array.from(dw)),
    dbias: hasBias ? new Tensor("float32", [O], Float32Array.from(db)) : null,
  };
}

/**
 * Backward of the patch embedding (Ops.patchEmbed: conv2d with kernel = stride = P, then [B, D, h*w] -> [B, N, D]):
 * dout [B, N, D], pixels [B, C, S, S], weight [D, C, P, P] -> dweight, dbias [D] | null, dpixels.
 */
export function patchEmbedBackward(dout: Tensor, pixels: Tensor, weight: Tensor, bias: Tensor | null, patch: number): { dweight: Tensor; dbias: Tensor | null; dpixels: Tensor } {
  if (!Number.isInteger(patch) || patch < 1) throw new ArgumentError(`patchEmbedBackward: patch must be a positive integer, got ${patch}`);
  if (pixels.rank !== 4 || pixels.shape[2] % patch !== 0 || pixels.shape[3] % patch !== 0) {
    throw new ShapeError(`patchEmbedBackward: pixels [${pixels.shape.join(", ")}] must be [B, C, H, W], a whole number of ${patch}x${patch} patches`);
  }
  const [B, , Hs, Ws] = pixels.shape;
  const h = Hs / patch;
  const w = Ws / patch;
  if (dout.rank !== 3 || dout.shape[0] !== B || dout.shape[1] !== h * w) {
    throw new ShapeError(`patchEmbedBackward: dout must be [B, N, D] = [${B}, ${h * w}, D], got [${dout.shape.join(", ")}]`);
  }
  const dy = dout.transpose(1, 2).reshape([B, dout.shape[2], h, w]); // [B, N, D] -> [B, D, h, w]
  const g = conv2dBackward(dy, pixels, weight, bias !== null, { stride: patch });
  return { dweight: g.dweight, dbias: g.dbias, dpixels: g.dx };
}
