/**
 * backend.ts — the `Backend` interface (one async method per kernel in kernel_names.ts) and the
 * reference backend, which runs the plain-TS loops in ../ops.
 *
 * Teaches: the model code asks for a kernel by name; which implementation runs is a choice made
 * once. The reference backend is the spec (slow, obviously right); `onnxBackend` (onnx_backend.ts)
 * is the fast one. Both are tested by the same suite (test/kernels.test.ts).
 *
 * Every method is async because ORT's `run` is; the reference just resolves immediately.
 * Leaves out: kernel registration by string (tfjs `registerKernel`): two backends do not need it.
 */
import * as ref from "../ops/index.ts";
import { ShapeError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";

export interface AttentionKernelOptions {
  /** Multiplier of q.k; default 1 / sqrt(D). */
  scale?: number;
  /** Attention-logit soft-cap (Gemma 2); 0 / undefined = none. */
  softcap?: number;
}

export interface Backend {
  readonly name: string;
  /** a [..., M, K] @ b [..., K, N] -> [..., M, N] */
  matmul(a: Tensor, b: Tensor): Promise<Tensor>;
  /** x [..., in], weight [out, in], bias [out] -> [..., out] */
  linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Promise<Tensor>;
  softmax(x: Tensor, axis?: number): Promise<Tensor>;
  /** x [..., D], weight/bias [D] or null -> [..., D] */
  layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps?: number): Promise<Tensor>;
  /** x [..., D], weight [D] or null -> [..., D]; unitOffset (default true) scales by 1 + w */
  rmsNorm(x: Tensor, weight: Tensor | null, eps?: number, options?: { unitOffset?: boolean }): Promise<Tensor>;
  geluTanh(x: Tensor): Promise<Tensor>;
  /** q [B, H, Tq, D], k/v [B, Hkv, Tk, D], additive mask broadcastable to [B, H, Tq, Tk] -> [B, H, Tq, D] */
  attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, options?: AttentionKernelOptions): Promise<Tensor>;
  /** pixels [B, 3, S, S], weight [D, 3, P, P], bias [D] -> [B, N, D] */
  patchEmbed(pixels: Tensor, weight: Tensor, bias: Tensor | null, patch: number): Promise<Tensor>;
}

/** The plain-TS kernels of ../ops, wrapped as a Backend. */
export const referenceBackend: Backend = {
  name: "reference",
  matmul: async (a, b) => ref.matmul(a, b),
  linear: async (x, w, b) => ref.linear(x, w, b),
  softmax: async (x, axis = -1) => ref.softmax(x, axis),
  layerNorm: async (x, w, b, eps = 1e-5) => ref.layerNorm(x, w, b, eps),
  rmsNorm: async (x, w, eps = 1e-6, options = {}) => ref.rmsNorm(x, w, eps, options),
  geluTanh: async (x) => ref.geluTanh(x),
  attention: async (q, k, v, mask, options = {}) => ref.scaledDotProductAttention(q, k, v, mask, options),
  patchEmbed: async (pixels, w, b, patch) => {
    const y = ref.conv2d(pixels, w, b, { stride: patch }); // [B, D, S/P, S/P]
    const [B, D, h, wd] = y.shape;
    if (h * patch !== pixels.shape[2] || wd * patch !== pixels.shape[3]) {
      throw new ShapeError(`patchEmbed: image [${pixels.shape.join(", ")}] is not a whole number of ${patch}x${patch} patches`);
    }
    return y.reshape([B, D, h * wd]).transpose(1, 2); // [B, N, D]
  },
};
