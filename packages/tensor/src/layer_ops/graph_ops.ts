/**
 * graph_ops.ts — `GraphOps`: the `Ops` interface as ONNX graph building, one builder call per op.
 *
 * Teaches: the fast half of "one definition, two implementations". Values are symbolic graph edges;
 * every method adds nodes through the builders of ../onnx/ops/ (the same ones a one-op test uses), so
 * calling a layer function with GraphOps produces that layer as one graph, and onnxruntime runs the
 * whole layer in one session.run. Where the weights live is the `GraphParams` binding's business:
 *   CheckpointWeights   external data pointing into the .safetensors files (memory-mapped), a disk
 *                       cache of widened or quantized forms, chosen per linear by a plan
 *   TensorParams        in-memory tensors embedded as initializers (tests, lessons, small models)
 *   InputParams         graph inputs named after the parameters (training: grad w.r.t. them, and a
 *                       step feeds new values every run; input_params.ts)
 * A weight used twice in one graph (the tied embedding) is bound once.
 *
 * Reference: ../onnx/ops/ (each builder's formula), eager_ops.ts (the other implementation).
 * Leaves out: shape inference on our side (ORT does it), graph-level fusion (ORT's optimizer).
 */
import { ArgumentError } from "../errors.ts";
import { embedding } from "../ops/embedding.ts";
import { Tensor } from "../tensor.ts";
import type { Graph, Value } from "../onnx/graph.ts";
import type { SessionOptions } from "../onnx/session.ts";
import type { Checkpoint } from "../safetensors/checkpoint.ts";
import { attention } from "../onnx/ops/attention.ts";
import { conv2d } from "../onnx/ops/conv2d.ts";
import { convTranspose2d } from "../onnx/ops/conv_transpose2d.ts";
import { relu } from "../onnx/ops/relu.ts";
import { geluTanh } from "../onnx/ops/gelu_tanh.ts";
import { layerNorm } from "../onnx/ops/layer_norm.ts";
import { type LinearWeight, linear } from "../onnx/ops/linear.ts";
import { patchEmbed } from "../onnx/ops/patch_embed.ts";
import { rmsNorm } from "../onnx/ops/rms_norm.ts";
import { rotaryEmbedding } from "../onnx/ops/rotary_embedding.ts";
import { softCap } from "../onnx/ops/soft_cap.ts";
import { softmax } from "../onnx/ops/softmax.ts";
import type { AttentionOptions } from "../ops/attention.ts";
import type { Conv2dOptions } from "../ops/conv2d.ts";
import type { ConvTranspose2dOptions } from "../ops/conv_transpose2d.ts";
import type { LinearParams, Ops } from "./ops.ts";

/** Where a graph's weights come from (see the header). */
export interface GraphParams {
  /** The float32 tensor `name` as a value of `g`. */
  tensor(g: Graph, name: string): Value;
  /**
   * The weight of the linear layer `name` ([out, in] in the checkpoint), in the form chosen for it;
   * `float()` is the float32 weight as bound by `tensor` (shared with other uses of the same name).
   */
  linearWeight(g: Graph, name: string, float: () => Value): LinearWeight;
  /** Rows of the 2-D weight `name` for ids [B][T] -> [B, T, D] float32 (an embedding lookup in JS). */
  rows(name: string, ids: readonly (readonly number[])[]): Tensor;
  /** Session options for a graph whose weights are bound here (external-data folder, prepacking). */
  sessionOptions?(quantized: boolean): SessionOptions;
  /** Resolves once the weights `names` can be bound (e.g. their cache files are made); OnnxKernels awaits it per block. */
  ready?(names: readonly string[]): Promise<void>;
}

export class GraphOps implements Ops<Value> {
  readonly kind = "onnx";
  private readonly bound = new Map<string, Value>();
  private readonly linears = new Map<string, LinearWeight>();

  constructor(
    readonly g: Graph,
    private readonly params: GraphParams,
  ) {}

  /** True when some linear of this graph is quantized (its session then wants weight prepacking). */
  get quantized(): boolean {
    return [...this.linears.values()].some((w) => w.kind !== "float");
  }

  param(name: string): Value {
    let v = this.bound.get(name);
    if (!v) this.bound.set(name, (v = this.params.tensor(this.g, name)));
    return v;
  }
  constant(value: number | Tensor): Value {
    return this.g.constant(typeof value === "number" ? value : value.to("float32"), "float32");
  }
  linear(x: Value, w: LinearParams): Value {
    let weight = this.linears.get(w.weight);
    if (!weight) this.linears.set(w.weight, (weight = this.params.linearWeight(this.g, w.weight, () => this.param(w.weight))));
    return linear(this.g, x, weight, w.bias ? this.param(w.bias) : null); // [..., out]
  }
  matmul(a: Value, b: Value): Value {
    return this.g.op("MatMul", [a, b]); // [..., M, N]
  }
  add(a: Value, b: Value | number): Value {
    return this.binary("Add", a, b);
  }
  sub(a: Value, b: Value | number): Value {
    return this.binary("Sub", a, b);
  }
  mul(a: Value, b: Value | number): Value {
    return this.binary("Mul", a, b);
  }
  div(a: Value, b: Value | number): Value {
    return this.binary("Div", a, b);
  }
  exp(x: Value): Value {
    return this.g.op("Exp", [x]);
  }
  sqrt(x: Value): Value {
    return this.g.op("Sqrt", [x]);
  }
  logSigmoid(x: Value): Value {
    return this.g.op("Neg", [this.g.op("Softplus", [this.g.op("Neg", [x])])]); // -softplus(-x)
  }
  rmsNorm(x: Value, weight: string | null, eps: number, options: { unitOffset?: boolean } = {}): Value {
    return rmsNorm(this.g, x, weight ? this.param(weight) : null, eps, options);
  }
  layerNorm(x: Value, weight: string | null, bias: string | null, eps: number): Value {
    return layerNorm(this.g, x, weight ? this.param(weight) : null, bias ? this.param(bias) : null, eps);
  }
  geluTanh(x: Value): Value {
    return geluTanh(this.g, x);
  }
  relu(x: Value): Value {
    return relu(this.g, x);
  }
  softmax(x: Value, axis = -1): Value {
    return softmax(this.g, x, axis);
  }
  logSoftmax(x: Value, axis = -1): Value {
    return this.g.op("LogSoftmax", [x], { axis });
  }
  reduceSum(x: Value, axes: readonly number[], keepDims = false): Value {
    return this.g.op("ReduceSum", [x, this.g.constant([...axes], "int64", "axes")], { keepdims: keepDims ? 1 : 0 });
  }
  reduceMean(x: Value, axes: readonly number[], keepDims = false): Value {
    return this.g.op("ReduceMean", [x, this.g.constant([...axes], "int64", "axes")], { keepdims: keepDims ? 1 : 0 });
  }
  attention(q: Value, k: Value, v: Value, mask: Value | null, options: AttentionOptions): Value {
    return attention(this.g, q, k, v, mask, options); // [B, Tq, H*D]
  }
  rope(x: Value, cos: Value, sin: Value, numHeads: number): Value {
    return rotaryEmbedding(this.g, x, cos, sin, numHeads);
  }
  softCap(x: Value, cap: number): Value {
    return softCap(this.g, x, cap);
  }
  patchEmbed(pixels: Value, weight: string, bias: string | null, patch: number): Value {
    return patchEmbed(this.g, pixels, this.param(weight), bias ? this.param(bias) : null, patch); // [B, N, D]
  }
  conv2d(x: Value, weight: string, bias: string | null, options: Conv2dOptions = {}): Value {
    return conv2d(this.g, x, this.param(weight), bias ? this.param(bias) : null, options); // [N, O, Ho, Wo]
  }
  convTranspose2d(x: Value, weight: string, bias: string | null, options: ConvTranspose2dOptions = {}): Value {
    return convTranspose2d(this.g, x, this.param(weight), bias ? this.param(bias) : null, options); // [N, O, Ho, Wo]
  }
  reshape(x: Value, shape: readonly number[]): Value {
    return this.g.op("Reshape", [x, this.g.constant([...shape], "int64", "shape")]);
  }
  transpose(x: Value, perm: readonly number[]): Value {
    return this.g.op("Transpose", [x], { perm: [...perm] });
  }
  concat(xs: readonly Value[], axis: number): Value {
    return this.g.op("Concat", [...xs], { axis });
  }
  slice(x: Value, axis: number, start: number, end: number): Value {
    const c = (n: number) => this.g.constant([n], "int64", "slice");
    return this.g.op("Slice", [x, c(start), c(end), c(axis)]);
  }
  private binary(op: "Add" | "Sub" | "Mul" | "Div", a: Value, b: Value | number): Value {
    return this.g.op(op, [a, typeof b === "number" ? this.constant(b) : b]);
  }
  gather(table: Value, ids: Value): Value {
    if (ids.dtype && ids.dtype !== "int64" && ids.dtype !== "int32") throw new ArgumentError(`gather: ids must be int32 or int64, got ${ids.dtype}`);
    return this.g.op("Gather", [table, ids], { axis: 0 });
  }
}

/** In-memory named tensors as weights: a getter for EagerOps and initializers for GraphOps. */
export class TensorParams implements GraphParams {
  private readonly tensors: Map<string, Tensor>;
  constructor(tensors: Record<string, Tensor> | Map<string, Tensor>) {
    this.tensors = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
  }

  /** Every tensor of `ckpt` (or those named), read into memory as float32 (bf16/f16 widened once). */
  static fromCheckpoint(ckpt: Checkpoint, names: readonly string[] = ckpt.names(), onRead?: (done: number, total: number, name: string) => void): TensorParams {
    const m = new Map<string, Tensor>();
    for (const n of names) {
      m.set(n, ckpt.read(n).to("float32"));
      onRead?.(m.size, names.length, n);
    }
    return new TensorParams(m);
  }

  /** The names held. */
  names(): string[] {
    return [...this.tensors.keys()];
  }
  /** The getter EagerOps takes. */
  readonly get = (name: string): Tensor => {
    const t = this.tensors.get(name);
    if (!t) throw new ArgumentError(`weight "${name}" is not among the ${this.tensors.size} given (${[...this.tensors.keys()].slice(0, 6).join(", ")}${this.tensors.size > 6 ? ", ..." : ""})`);
    return t.dtype === "float32" ? t : t.to("float32");
  };
  tensor(g: Graph, name: string): Value {
    return g.initializer(name, this.get(name));
  }
  linearWeight(_g: Graph, _name: string, float: () => Value): LinearWeight {
    return { kind: "float", weight: float() };
  }
  rows(name: string, ids: readonly (readonly number[])[]): Tensor {
    return embedding(ids, this.get(name));
  }
}
