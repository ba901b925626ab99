/**
 * eager_ops.ts — `EagerOps`: the `Ops` interface computed at once, with the plain-TS reference kernels.
 *
 * Teaches: the readable half of "one definition, two implementations". Every method runs the
 * reference kernel of ../ops/ on Tensors and returns the result, so a layer called with EagerOps is
 * an ordinary function you can step through, print inside, and compare with PyTorch tensor by tensor.
 * Weights come from a getter by name (a checkpoint read into memory, or a lesson's random tensors).
 * The attention and RoPE calls take the 3-D layout [B, T, heads * D] like the graph ops; the
 * attention kernel itself works on [B, heads, T, D], so the layout change is made here, visibly.
 *
 * Reference: ../ops/ (each kernel's formula); graph_ops.ts (the other implementation).
 * Leaves out: speed (float64 accumulators, no threads): use the ONNX kernels for that.
 */
import { ArgumentError, ShapeError } from "../errors.ts";
import { scaledDotProductAttention } from "../ops/attention.ts";
import { add, div, mul, sub } from "../ops/binary.ts";
import { exp } from "../ops/exp.ts";
import { logSigmoid } from "../ops/log_sigmoid.ts";
import { logSoftmax } from "../ops/log_softmax.ts";
import { matmul } from "../ops/matmul.ts";
import { reduceAxes } from "../ops/reduce.ts";
import { sqrt } from "../ops/sqrt.ts";
import { type Conv2dOptions, conv2d } from "../ops/conv2d.ts";
import { type ConvTranspose2dOptions, convTranspose2d } from "../ops/conv_transpose2d.ts";
import { relu } from "../ops/relu.ts";
import { geluTanh } from "../ops/gelu_tanh.ts";
import { layerNorm } from "../ops/layer_norm.ts";
import { linear } from "../ops/linear.ts";
import { rmsNorm } from "../ops/rms_norm.ts";
import { rotaryEmbedding } from "../ops/rotary_embedding.ts";
import { softCap } from "../ops/soft_cap.ts";
import { softmax } from "../ops/softmax.ts";
import { Tensor } from "../tensor.ts";
import type { AttentionOptions } from "../ops/attention.ts";
import type { LinearParams, Ops } from "./ops.ts";

/** Fetches a weight by its checkpoint name, as float32. */
export type ParamGetter = (name: string) => Tensor;

/** [B, T, N*D] -> [B, N, T, D]: the attention kernel's layout (also used by TapeOps' attention backward). */
export function splitHeads(x: Tensor, n: number): Tensor {
  const [B, T, C] = x.shape;
  if (x.rank !== 3 || C % n !== 0) throw new ShapeError(`attention: expected [B, T, ${n} heads * D], got [${x.shape.join(", ")}]`);
  return x.reshape([B, T, n, C / n]).permute([0, 2, 1, 3]); // [B, N, T, D]
}

/** [B, N, T, D] -> [B, T, N*D]: back from the attention kernel's layout. */
export function mergeHeads(x: Tensor): Tensor {
  const [B, N, T, D] = x.shape;
  return x.permute([0, 2, 1, 3]).reshape([B, T, N * D]); // [B, T, N*D]
}

export class EagerOps implements Ops<Tensor> {
  readonly kind = "reference";
  constructor(private readonly get: ParamGetter) {}

  param(name: string): Tensor {
    return this.get(name).to("float32");
  }
  constant(value: number | Tensor): Tensor {
    return typeof value === "number" ? Tensor.fromValues([value], [], "float32") : value.to("float32");
  }
  linear(x: Tensor, w: LinearParams): Tensor {
    return linear(x, this.param(w.weight), w.bias ? this.param(w.bias) : null); // [..., out]
  }
  matmul(a: Tensor, b: Tensor): Tensor {
    return matmul(a, b);
  }
  add(a: Tensor, b: Tensor | number): Tensor {
    return add(a, b);
  }
  sub(a: Tensor, b: Tensor | number): Tensor {
    return sub(a, b);
  }
  mul(a: Tensor, b: Tensor | number): Tensor {
    return mul(a, b);
  }
  div(a: Tensor, b: Tensor | number): Tensor {
    return div(a, b);
  }
  exp(x: Tensor): Tensor {
    return exp(x);
  }
  sqrt(x: Tensor): Tensor {
    return sqrt(x);
  }
  logSigmoid(x: Tensor): Tensor {
    return logSigmoid(x);
  }
  rmsNorm(x: Tensor, weight: string | null, eps: number, options: { unitOffset?: boolean } = {}): Tensor {
    return rmsNorm(x, weight ? this.param(weight) : null, eps, options);
  }
  layerNorm(x: Tensor, weight: string | null, bias: string | null, eps: number): Tensor {
    return layerNorm(x, weight ? this.param(weight) : null, bias ? this.param(bias) : null, eps);
  }
  geluTanh(x: Tensor): Tensor {
    return geluTanh(x);
  }
  relu(x: Tensor): Tensor {
    return relu(x);
  }
  softmax(x: Tensor, axis = -1): Tensor {
    return softmax(x, axis);
  }
  logSoftmax(x: Tensor, axis = -1): Tensor {
    return logSoftmax(x, axis);
  }
  reduceSum(x: Tensor, axes: readonly number[], keepDims = false): Tensor {
    return reduceAxes(x, axes, keepDims, "sum");
  }
  reduceMean(x: Tensor, axes: readonly number[], keepDims = false): Tensor {
    return reduceAxes(x, axes, keepDims, "mean");
  }
  attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, o: AttentionOptions): Tensor {
    const out = scaledDotProductAttention(splitHeads(q, o.numHeads), splitHeads(k, o.numKvHeads), splitHeads(v, o.numKvHeads), mask, o); // [B, H, Tq, D]
    return mergeHeads(out); // [B, Tq, H*D]
  }
  rope(x: Tensor, cos: Tensor, sin: Tensor, numHeads: number): Tensor {
    return rotaryEmbedding(x, cos, sin, numHeads);
  }
  softCap(x: Tensor, cap: number): Tensor {
    return softCap(x, cap);
  }
  patchEmbed(pixels: Tensor, weight: string, bias: string | null, patch: number): Tensor {
    if (!Number.isInteger(patch) || patch < 1) throw new ArgumentError(`patchEmbed: patch must be a positive integer, got ${patch}`);
    const y = conv2d(pixels, this.param(weight), bias ? this.param(bias) : null, { stride: patch }); // [B, D, S/P, S/P]
    const [B, D, h, w] = y.shape;
    if (h * patch !== pixels.shape[2] || w * patch !== pixels.shape[3]) {
      throw new ShapeError(`patchEmbed: image [${pixels.shape.join(", ")}] is not a whole number of ${patch}x${patch} patches`);
    }
    return y.reshape([B, D, h * w]).transpose(1, 2); // [B, N, D]
  }
  conv2d(x: Tensor, weight: string, bias: string | null, options: Conv2dOptions = {}): Tensor {
    return conv2d(x, this.param(weight), bias ? this.param(bias) : null, options); // [N, O, Ho, Wo]
  }
  convTranspose2d(x: Tensor, weight: string, bias: string | null, options: ConvTranspose2dOptions = {}): Tensor {
    return convTranspose2d(x, this.param(weight), bias ? this.param(bias) : null, options); // [N, O, Ho, Wo]
  }
  reshape(x: Tensor, shape: readonly number[]): Tensor {
    return x.reshape(shape.map((d, i) => (d === 0 ? x.shape[i] : d)));
  }
  transpose(x: Tensor, perm: readonly number[]): Tensor {
    return x.permute(perm);
  }
  concat(xs: readonly Tensor[], axis: number): Tensor {
    return Tensor.concat(xs.map((x) => x.to("float32")), axis);
  }
  slice(x: Tensor, axis: number, start: number, end: number): Tensor {
    return x.slice(axis, start, end);
  }
  gather(table: Tensor, ids: Tensor): Tensor {
    const rows = table.gather(Array.from(ids.data as ArrayLike<number | bigint>, Number), 0); // [n, ...]
    return rows.reshape([...ids.shape, ...table.shape.slice(1)]);
  }
}
