/**
 * ops.ts — `Ops`: the operations a layer is written against, once, for every way of running it.
 *
 * Teaches: a model layer is a function of its inputs and its named weights, e.g. Gemma's
 *   x = x + o(attention(rope(q(norm(x))), rope(k(norm(x))), v(norm(x))))
 * Written against `Ops<T>`, that one function is
 *   - the readable spec: with `EagerOps`, T = Tensor and every call runs a plain-TS reference kernel
 *     (../ops/) right away: the oracle tests trust and a lesson steps through;
 *   - the fast path: with `GraphOps`, T = a graph `Value` and every call adds ONNX nodes
 *     (../onnx/ops/); the finished graph is one fused onnxruntime session per layer;
 *   - the training graph: the same forward graph, differentiated (the graph side).
 * So a change to the math is made in one place, and the two implementations of every op are tested
 * against each other on random inputs (test/kernels.test.ts).
 *
 * Conventions:
 *   - Weights are NAMED (Hugging Face checkpoint names); activations are values. `param(name)` gives a
 *     weight as a value; `linear` and the norms take names, so the implementation decides where the
 *     weight lives (in JS memory, memory-mapped from the checkpoint, quantized, a training input).
 *   - Shapes: B batch, T/Tq/Tk lengths, H/Hkv query/key-value heads, D head dim, "..." leading axes.
 *     Attention and RoPE use the 3-D layout straight out of a projection: [B, T, heads * D].
 *   - Everything is float32 (weights are widened or dequantized where they are stored).
 *
 * References: jax-js and tinygrad (one traced program for every device); Hugging Face module names.
 * Leaves out: dtype promotion, in-place updates, control flow (layers are straight-line code).
 */
import type { AttentionOptions } from "../ops/attention.ts";
import type { Conv2dOptions } from "../ops/conv2d.ts";
import type { ConvTranspose2dOptions } from "../ops/conv_transpose2d.ts";
import type { Tensor } from "../tensor.ts";

/** The tensor names of one nn.Linear: weight [out, in], optional bias [out]. */
export interface LinearParams {
  weight: string;
  bias?: string | null;
}

export interface Ops<T> {
  /** "reference" (eager plain-TS kernels) or "onnx" (graph nodes). */
  readonly kind: "reference" | "onnx";
  /** The float32 weight `name` as a value. */
  param(name: string): T;
  /** A float32 constant (a number is a scalar). */
  constant(value: number | Tensor): T;
  /** y = x W^T + b: x [..., in] -> [..., out] */
  linear(x: T, w: LinearParams): T;
  /** a [..., M, K] @ b [..., K, N] -> [..., M, N], leading axes broadcast (NumPy matmul). */
  matmul(a: T, b: T): T;
  /** Elementwise with NumPy broadcasting; a number is a scalar. */
  add(a: T, b: T | number): T;
  sub(a: T, b: T | number): T;
  mul(a: T, b: T | number): T;
  div(a: T, b: T | number): T;
  exp(x: T): T;
  sqrt(x: T): T;
  /** log(sigmoid(x)) = -softplus(-x), stable for any x. */
  logSigmoid(x: T): T;
  /** x [..., D] * rsqrt(mean(x^2) + eps) * (1 + w) (unitOffset, default) or * w; weight null = 1. */
  rmsNorm(x: T, weight: string | null, eps: number, options?: { unitOffset?: boolean }): T;
  /** (x - mean) / sqrt(var + eps) * w + b over the last axis; null weight/bias = 1/0. */
  layerNorm(x: T, weight: string | null, bias: string | null, eps: number): T;
  /** 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
  geluTanh(x: T): T;
  /** max(x, 0) */
  relu(x: T): T;
  softmax(x: T, axis?: number): T;
  /** x - logsumexp(x) along `axis` (max-subtracted: never log(softmax)). */
  logSoftmax(x: T, axis?: number): T;
  /** Sum / mean over `axes` (default keepDims false). */
  reduceSum(x: T, axes: readonly number[], keepDims?: boolean): T;
  reduceMean(x: T, axes: readonly number[], keepDims?: boolean): T;
  /** q [B, Tq, H*D], k/v [B, Tk, Hkv*D], additive mask [B|1, 1, Tq, Tk] | null -> [B, Tq, H*D] */
  attention(q: T, k: T, v: T, mask: T | null, options: AttentionOptions): T;
  /** Rotate-half RoPE: x [B, T, H*D], cos/sin [B, T, D/2] -> [B, T, H*D] */
  rope(x: T, cos: T, sin: T, numHeads: number): T;
  /** c * tanh(x / c) */
  softCap(x: T, cap: number): T;
  /** pixels [B, C, S, S], conv weight [D, C, P, P] -> patch tokens [B, (S/P)^2, D] */
  patchEmbed(pixels: T, weight: string, bias: string | null, patch: number): T;
  /** 2-D convolution: x [N, C, H, W], weight [O, C, kh, kw], bias [O] -> [N, O, Ho, Wo] (zero padding). */
  conv2d(x: T, weight: string, bias: string | null, options?: Conv2dOptions): T;
  /** Transposed convolution: x [N, C, H, W], weight [C, O, kh, kw], bias [O] -> [N, O, (H-1)*s - 2p + kh, ...]. */
  convTranspose2d(x: T, weight: string, bias: string | null, options?: ConvTranspose2dOptions): T;
  /** ONNX Reshape semantics: 0 keeps that axis, -1 is inferred. */
  reshape(x: T, shape: readonly number[]): T;
  transpose(x: T, perm: readonly number[]): T;
  concat(xs: readonly T[], axis: number): T;
  /** Elements [start, end) along `axis`. */
  slice(x: T, axis: number, start: number, end: number): T;
  /** Rows of `table` [V, ...] picked by integer `ids` [...] -> [..., ...] (an embedding lookup). */
  gather(table: T, ids: T): T;
}
