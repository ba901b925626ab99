/**
 * tape_ops.ts — `TapeOps`: the `Ops` interface computed eagerly (exactly EagerOps) while recording a
 * tape, and `backward(loss)`: reverse-mode autodiff through the backward kernels of ../ops/.
 *
 * Teaches: reverse mode in its smallest form (micrograd, but on tensors). Every op call appends
 *   { output, the inputs it read, a closure dout -> one gradient per input }
 * to a list. The list is in the order the values were made, so it is already topologically sorted:
 * walking it from the end, each entry finds dL/doutput complete (all its consumers came later and
 * have run), calls its backward kernel and ADDS the results into its inputs' gradients:
 *   grad[loss] = seed (1 for a scalar)
 *   for entry in reversed(tape):  for (x, dx) in zip(entry.inputs, entry.backward(grad[entry.output])):
 *                                     grad[x] += dx
 * The sum is the multivariate chain rule: a value used twice (x * x, a residual stream, the tied
 * embedding read as the gather table and as the LM head) gets the sum of its uses' gradients.
 * Weights enter through `param(name)` (linear, norms and patchEmbed call it too), so the gradient of
 * a named weight is the sum over every `param` call of that name. Values are the Tensors themselves,
 * told apart by identity: every recorded output is a fresh Tensor object (sharing its data).
 * Not differentiated: masks, RoPE tables, gather ids, constants (`constant(x)` stops the gradient).
 *
 * The forward IS EagerOps (every method delegates to it), so a layer runs here bit for bit as it
 * runs on the reference kernels; the backward kernels are the ones gradCheck verifies one by one.
 *
 * References: Karpathy, micrograd (https://github.com/karpathy/micrograd) and "Backprop ninja";
 * Griewank & Walther, "Evaluating Derivatives" (reverse mode, the tape); PyTorch autograd (the
 * engine walks the same graph; derivatives.yaml holds the rules); llm.c `gpt2_backward` (the same
 * calls in reverse, written out by hand).
 * Leaves out: higher-order gradients (the tape records forwards only), gradients of masks and
 * tables, freeing activations early (the tape keeps every value until it is dropped).
 */
import { ArgumentError, GradientError } from "../errors.ts";
import { type ParamGetter, EagerOps, mergeHeads, splitHeads } from "../layer_ops/eager_ops.ts";
import type { LinearParams, Ops } from "../layer_ops/ops.ts";
import type { AttentionOptions } from "../ops/attention.ts";
import { attentionBackward } from "../ops/attention_backward.ts";
import { add } from "../ops/binary.ts";
import { type BinaryGrads, addBackward, divBackward, mulBackward, subBackward } from "../ops/binary_backward.ts";
import { patchEmbedBackward } from "../ops/conv2d_backward.ts";
import { embeddingBackward } from "../ops/embedding_backward.ts";
import { expBackward } from "../ops/exp_backward.ts";
import { geluTanhBackward } from "../ops/gelu_tanh_backward.ts";
import { layerNormBackward } from "../ops/layer_norm_backward.ts";
import { linearBackward } from "../ops/linear_backward.ts";
import { logSigmoidBackward } from "../ops/log_sigmoid_backward.ts";
import { logSoftmaxBackward } from "../ops/log_softmax_backward.ts";
import { matmulBackward } from "../ops/matmul_backward.ts";
import { reduceBackward } from "../ops/reduce_backward.ts";
import { rmsNormBackward } from "../ops/rms_norm_backward.ts";
import { reluBackward } from "../ops/relu_backward.ts";
import { rotaryEmbeddingBackward } from "../ops/rotary_embedding_backward.ts";
import { softCapBackward } from "../ops/soft_cap_backward.ts";
import { softmaxBackward } from "../ops/softmax_backward.ts";
import { sqrtBackward } from "../ops/sqrt_backward.ts";
import { Tensor, normAxis } from "../tensor.ts";

/** One recorded call: what it made, what it read (null = not differentiated), and its vector-Jacobian product. */
interface TapeEntry {
  output: Tensor;
  inputs: readonly (Tensor | null)[];
  backward: (dout: Tensor) => readonly (Tensor | null)[];
}

export interface Gradients {
  /** dL/dw for every weight name `param` was called with, summed over its uses (zeros if the loss ignores it). */
  params: Map<string, Tensor>;
  /** dL/dx for each tensor of `options.inputs`, in order (zeros if the loss does not depend on it). */
  inputs: Tensor[];
}

export interface BackwardOptions {
  /** dL/dloss, loss's shape; default 1 (only for a one-element loss). */
  seed?: Tensor;
  /** Tensors (inputs given to the forward, or any value it made) whose gradient to return. */
  inputs?: readonly Tensor[];
}

/** A new Tensor object on the same data: a distinct value on the tape. */
const fresh = (t: Tensor): Tensor => new Tensor(t.dtype, t.shape, t.data);
const scalar = (b: Tensor | number): Tensor => (typeof b === "number" ? Tensor.fromValues([b], [], "float32") : b);

export class TapeOps implements Ops<Tensor> {
  readonly kind = "reference";
  private readonly eager: EagerOps;
  private tape: TapeEntry[] = [];
  private params = new Map<Tensor, string>(); // each param() value -> its weight name

  constructor(get: ParamGetter) {
    this.eager = new EagerOps(get);
  }

  /** Forget the tape (start the next forward). */
  reset(): void {
    this.tape = [];
    this.params = new Map();
  }

  /** Number of recorded calls. */
  get length(): number {
    return this.tape.length;
  }

  private record(y: Tensor, inputs: readonly (Tensor | null)[], backward: TapeEntry["backward"]): Tensor {
    const output = fresh(y);
    this.tape.push({ output, inputs, backward });
    return output;
  }

  private binary(y: Tensor, a: Tensor, b: Tensor | number, rule: (g: Tensor, a: Tensor, b: Tensor) => BinaryGrads): Tensor {
    const bt = scalar(b);
    return this.record(y, [a, typeof b === "number" ? null : bt], (g) => {
      const { da, db } = rule(g, a, bt);
      return [da, db];
    });
  }

  param(name: string): Tensor {
    const w = fresh(this.eager.param(name));
    this.params.set(w, name);
    return w;
  }
  constant(value: number | Tensor): Tensor {
    return fresh(this.eager.constant(value)); // a new value that no gradient flows back from
  }
  linear(x: Tensor, w: LinearParams): Tensor {
    const y = this.eager.linear(x, w);
    const W = this.param(w.weight);
    const b = w.bias ? this.param(w.bias) : null;
    return this.record(y, [x, W, b], (g) => {
      const r = linearBackward(g, x, W, b !== null);
      return [r.dx, r.dweight, r.dbias];
    });
  }
  matmul(a: Tensor, b: Tensor): Tensor {
    return this.binary(this.eager.matmul(a, b), a, b, (g, x, y) => {
      const r = matmulBackward(g, x, y);
      return { da: r.da, db: r.db };
    });
  }
  add(a: Tensor, b: Tensor | number): Tensor {
    return this.binary(this.eager.add(a, b), a, b, (g, x, y) => addBackward(g, x.shape, y.shape));
  }
  sub(a: Tensor, b: Tensor | number): Tensor {
    return this.binary(this.eager.sub(a, b), a, b, (g, x, y) => subBackward(g, x.shape, y.shape));
  }
  mul(a: Tensor, b: Tensor | number): Tensor {
    return this.binary(this.eager.mul(a, b), a, b, mulBackward);
  }
  div(a: Tensor, b: Tensor | number): Tensor {
    return this.binary(this.eager.div(a, b), a, b, divBackward);
  }
  exp(x: Tensor): Tensor {
    const y = this.eager.exp(x);
    return this.record(y, [x], (g) => [expBackward(g, y)]);
  }
  sqrt(x: Tensor): Tensor {
    const y = this.eager.sqrt(x);
    return this.record(y, [x], (g) => [sqrtBackward(g, y)]);
  }
  logSigmoid(x: Tensor): Tensor {
    return this.record(this.eager.logSigmoid(x), [x], (g) => [logSigmoidBackward(g, x)]);
  }
  rmsNorm(x: Tensor, weight: string | null, eps: number, options: { unitOffset?: boolean } = {}): Tensor {
    const y = this.eager.rmsNorm(x, weight, eps, options);
    const w = weight ? this.param(weight) : null;
    return this.record(y, [x, w], (g) => {
      const r = rmsNormBackward(g, x, w, eps, options);
      return [r.dx, r.dweight];
    });
  }
  layerNorm(x: Tensor, weight: string | null, bias: string | null, eps: number): Tensor {
    const y = this.eager.layerNorm(x, weight, bias, eps);
    const w = weight ? this.param(weight) : null;
    const b = bias ? this.param(bias) : null;
    return this.record(y, [x, w, b], (g) => {
      const r = layerNormBackward(g, x, w, b, eps);
      return [r.dx, r.dweight, r.dbias];
    });
  }
  geluTanh(x: Tensor): Tensor {
    return this.record(this.eager.geluTanh(x), [x], (g) => [geluTanhBackward(g, x)]);
  }
  softmax(x: Tensor, axis = -1): Tensor {
    const y = this.eager.softmax(x, axis);
    return this.record(y, [x], (g) => [softmaxBackward(g, y, axis)]);
  }
  logSoftmax(x: Tensor, axis = -1): Tensor {
    const y = this.eager.logSoftmax(x, axis);
    return this.record(y, [x], (g) => [logSoftmaxBackward(g, y, axis)]);
  }
  reduceSum(x: Tensor, axes: readonly number[], keepDims = false): Tensor {
    return this.record(this.eager.reduceSum(x, axes, keepDims), [x], (g) => [reduceBackward(g, x.shape, axes, keepDims, "sum")]);
  }
  reduceMean(x: Tensor, axes: readonly number[], keepDims = false): Tensor {
    return this.record(this.eager.reduceMean(x, axes, keepDims), [x], (g) => [reduceBackward(g, x.shape, axes, keepDims, "mean")]);
  }
  attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, o: AttentionOptions): Tensor {
    const y = this.eager.attention(q, k, v, mask, o);
    return this.record(y, [q, k, v, null], (g) => {
      const [qs, ks, vs] = [splitHeads(q, o.numHeads), splitHeads(k, o.numKvHeads), splitHeads(v, o.numKvHeads)]; // [B, heads, T, D]
      const r = attentionBackward(splitHeads(g, o.numHeads), qs, ks, vs, mask, o);
      return [mergeHeads(r.dq), mergeHeads(r.dk), mergeHeads(r.dv), null]; // [B, T, heads*D]
    });
  }
  rope(x: Tensor, cos: Tensor, sin: Tensor, numHeads: number): Tensor {
    return this.record(this.eager.rope(x, cos, sin, numHeads), [x, null, null], (g) => [rotaryEmbeddingBackward(g, cos, sin, numHeads), null, null]);
  }
  softCap(x: Tensor, cap: number): Tensor {
    return this.record(this.eager.softCap(x, cap), [x], (g) => [softCapBackward(g, x, cap)]);
  }
  patchEmbed(pixels: Tensor, weight: string, bias: string | null, patch: number): Tensor {
    const y = this.eager.patchEmbed(pixels, weight, bias, patch);
    const w = this.param(weight);
    const b = bias ? this.param(bias) : null;
    return this.record(y, [pixels, w, b], (g) => {
      const r = patchEmbedBackward(g, pixels, w, b, patch);
      return [r.dpixels, r.dweight, r.dbias];
    });
  }
  relu(x: Tensor): Tensor {
    return this.record(this.eager.relu(x), [x], (g) => [reluBackward(g, x)]);
  }
  /** Not differentiated: convolutions only appear in the (inference-only) VQ-VAE mask decoder. */
  conv2d(_x: Tensor, _weight: string, _bias: string | null): Tensor {
    throw new GradientError("TapeOps.conv2d: no backward kernel for a general convolution (only patchEmbed's); run the VQ-VAE decoder on EagerOps");
  }
  convTranspose2d(_x: Tensor, _weight: string, _bias: string | null): Tensor {
    throw new GradientError("TapeOps.convTranspose2d: no backward kernel for a transposed convolution; run the VQ-VAE decoder on EagerOps");
  }
  reshape(x: Tensor, shape: readonly number[]): Tensor {
    return this.record(this.eager.reshape(x, shape), [x], (g) => [g.reshape(x.shape)]);
  }
  transpose(x: Tensor, perm: readonly number[]): Tensor {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[normAxis(p, x.rank, "transpose axis")] = i)); // out axis i came from p
    return this.record(this.eager.transpose(x, perm), [x], (g) => [g.permute(inverse)]);
  }
  concat(xs: readonly Tensor[], axis: number): Tensor {
    const y = this.eager.concat(xs, axis);
    const a = normAxis(axis, y.rank, "concat axis");
    const starts = xs.map((_, i) => xs.slice(0, i).reduce((s, x) => s + x.shape[a], 0));
    return this.record(y, xs, (g) => xs.map((x, i) => g.slice(a, starts[i], starts[i] + x.shape[a]))); // each input's own stretch of dout
  }
  slice(x: Tensor, axis: number, start: number, end: number): Tensor {
    const y = this.eager.slice(x, axis, start, end);
    const a = normAxis(axis, x.rank, "slice axis");
    const s = start < 0 ? start + x.shape[a] : start;
    return this.record(y, [x], (g) => {
      const zeros = (n: number) => Tensor.zeros(x.shape.map((d, i) => (i === a ? n : d)));
      return [Tensor.concat([zeros(s), g.to("float32"), zeros(x.shape[a] - s - y.shape[a])], a)]; // dout back in its place, 0 elsewhere
    });
  }
  gather(table: Tensor, ids: Tensor): Tensor {
    const y = this.eager.gather(table, ids);
    return this.record(y, [table, null], (g) => {
      const flat = Array.from(ids.data as ArrayLike<number | bigint>, Number); // [n]
      const D = table.size / Math.max(1, table.shape[0]);
      const dtable = embeddingBackward(g.reshape([1, flat.length, D]), [flat], table.shape[0]); // scatter-add rows
      return [dtable.reshape(table.shape), null];
    });
  }

  /** Walk the tape backward from `loss`: gradients of every weight used and of `options.inputs`. */
  backward(loss: Tensor, options: BackwardOptions = {}): Gradients {
    const onTape = this.params.has(loss) || this.tape.some((e) => e.output === loss);
    if (!onTape) throw new ArgumentError("TapeOps.backward: loss was not computed by this TapeOps (or the tape was reset)");
    let seed = options.seed;
    if (seed === undefined) {
      if (loss.size !== 1) throw new ArgumentError(`TapeOps.backward: loss has shape [${loss.shape.join(", ")}]; pass options.seed (dL/dloss) for a loss that is not a scalar`);
      seed = Tensor.full(loss.shape, 1);
    } else if (seed.shape.join() !== loss.shape.join()) {
      throw new ArgumentError(`TapeOps.backward: seed [${seed.shape.join(", ")}] must have the loss's shape [${loss.shape.join(", ")}]`);
    }
    const grads = new Map<Tensor, Tensor>([[loss, seed.to("float32")]]);
    const accumulate = (x: Tensor, dx: Tensor) => {
      const prev = grads.get(x);
      grads.set(x, prev ? add(prev, dx) : dx); // never in place: a rule may hand back a view of its dout
    };
    for (let i = this.tape.length - 1; i >= 0; i--) {
      const entry = this.tape[i];
      const g = grads.get(entry.output);
      if (!g) continue; // the loss does not depend on this value
      const dxs = entry.backward(g);
      entry.inputs.forEach((x, k) => {
        const dx = dxs[k];
        if (x && dx) accumulate(x, dx);
      });
    }
    const params = new Map<string, Tensor>();
    for (const [w, name] of this.params) {
      const g = grads.get(w) ?? Tensor.zeros(w.shape);
      const prev = params.get(name);
      params.set(name, prev ? add(prev, g) : g); // one weight, several param() calls: the sum
    }
    return { params, inputs: (options.inputs ?? []).map((x) => grads.get(x) ?? Tensor.zeros(x.shape)) };
  }
}
