/**
 * emitter.ts — `Emitter`: adds backward nodes to a graph and keeps their shapes known.
 *
 * Teaches: gradient rules are written with a few primitive ops (Add, Mul, ReduceSum, Reshape,
 * Transpose, MatMul...) on STATIC shapes: every node the emitter adds is shape-inferred at once
 * (ShapeInfo.inferNode), so a rule can ask the shape of anything it built and the engine can check
 * that each gradient has exactly its value's shape. Constants, and the Reshape / Transpose of a value
 * (the same input reshaped for the q, k and v weight gradients), are made once per grad call.
 *
 * The one non-obvious helper is `unbroadcast`, the adjoint of broadcasting:
 *   y = broadcast(x) from shape s to shape t   =>   dx = ReduceSum(dy, broadcast axes) reshaped to s
 * where the broadcast axes are the leading t.length - s.length axes and those where s has 1 and t not.
 *
 * References: DESIGN.md section 9 ("broadcasting in the forward is undone by ReduceSum");
 * JAX `_unbroadcast` (jax/_src/lax/lax.py); PyTorch `sum_to_size` (torch/csrc/autograd/FunctionsManual.cpp).
 */
import type { DType } from "../dtype.ts";
import type { AttrValue, Graph, NodeOptions, Value } from "../onnx/graph.ts";
import { Tensor } from "../tensor.ts";
import type { ShapeInfo } from "./shape_inference.ts";

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

export class Emitter {
  constructor(
    readonly g: Graph,
    protected readonly info: ShapeInfo,
    /** Node-name stem for everything this emitter adds (output names derive from it). */
    protected readonly stem: string,
    private readonly consts: Map<string, Value>,
  ) {}

  shape(v: Value): readonly number[] {
    return this.info.shape(v);
  }
  dtype(v: Value): DType {
    return this.info.dtype(v);
  }

  /** Add one node (named after the stem) and infer its outputs' shapes. */
  op(opType: string, inputs: readonly (Value | null)[], attrs: Record<string, AttrValue> = {}, opts: NodeOptions = {}): Value {
    return this.nodes(opType, inputs, attrs, { ...opts, outputs: 1 })[0];
  }
  nodes(opType: string, inputs: readonly (Value | null)[], attrs: Record<string, AttrValue> = {}, opts: NodeOptions = {}): Value[] {
    const outs = this.g.node(opType, inputs, attrs, { name: this.stem, ...opts });
    const all = this.g.nodeList();
    this.info.inferNode(all[all.length - 1]);
    return outs;
  }

  /** An int64 [n] constant (shapes, axes, pads), shared by every rule of this graph. */
  ints(values: readonly number[]): Value {
    return this.cached(`i64:${values.join(",")}`, () => this.g.constant(values, "int64", "grad_ints"));
  }
  /** A scalar constant of `dtype`. */
  scalar(x: number, dtype: DType): Value {
    return this.cached(`${dtype}:${x}`, () => this.g.constant(x, dtype, "grad_const"));
  }
  /** make() once per graph for `key` (e.g. -sin shared by every RoPE backward). */
  cached(key: string, make: () => Value): Value {
    let v = this.consts.get(key);
    if (!v) this.consts.set(key, (v = make()));
    return v;
  }

  add(a: Value, b: Value): Value {
    return this.op("Add", [a, b]);
  }
  sub(a: Value, b: Value): Value {
    return this.op("Sub", [a, b]);
  }
  mul(a: Value, b: Value): Value {
    return this.op("Mul", [a, b]);
  }
  div(a: Value, b: Value): Value {
    return this.op("Div", [a, b]);
  }
  neg(x: Value): Value {
    return this.op("Neg", [x]);
  }
  /** x * c for a number c (skipped when c = 1). */
  scale(x: Value, c: number): Value {
    return c === 1 ? x : this.mul(x, this.scalar(c, this.dtype(x)));
  }
  /** 1 - x*x (the derivative of tanh written with its output). */
  oneMinusSquare(x: Value): Value {
    return this.sub(this.scalar(1, this.dtype(x)), this.mul(x, x));
  }

  /** ReduceSum over `axes` (none: x itself). */
  sum(x: Value, axes: readonly number[], keepdims = true): Value {
    return axes.length ? this.op("ReduceSum", [x, this.ints(axes)], { keepdims: keepdims ? 1 : 0 }) : x;
  }
  mean(x: Value, axes: readonly number[], keepdims = true): Value {
    return axes.length ? this.op("ReduceMean", [x, this.ints(axes)], { keepdims: keepdims ? 1 : 0 }) : x;
  }
  /** Reshape to static dims (no node when the shape is already that; one node per value and shape). */
  reshape(x: Value, shape: readonly number[]): Value {
    if (same(this.shape(x), shape)) return x;
    return this.cached(`reshape:${x.name}:${shape.join(",")}`, () => this.op("Reshape", [x, this.ints(shape)]));
  }
  /** Transpose (no node for the identity permutation; one node per value and permutation). */
  transpose(x: Value, perm: readonly number[]): Value {
    if (perm.every((p, i) => p === i)) return x;
    return this.cached(`transpose:${x.name}:${perm.join(",")}`, () => this.op("Transpose", [x], { perm: [...perm] }));
  }
  /** Swap the last two axes: x^T of a (batched) matrix. */
  swapLast(x: Value): Value {
    const r = this.shape(x).length;
    return this.transpose(x, [...Array(r - 2).keys(), r - 1, r - 2]);
  }
  matmul(a: Value, b: Value): Value {
    return this.op("MatMul", [a, b]);
  }
  /** Zeros of a static shape (ConstantOfShape: no data stored in the model). */
  zeros(shape: readonly number[], dtype: DType): Value {
    return this.op("ConstantOfShape", [this.ints(shape)], { value: Tensor.fromValues([0], [1], dtype) }, { name: "grad_zeros" });
  }

  /** Sum x (of a broadcast shape) down to `shape`: the adjoint of broadcasting `shape` to x's shape. */
  unbroadcast(x: Value, shape: readonly number[]): Value {
    const from = this.shape(x);
    if (same(from, shape)) return x;
    const lead = from.length - shape.length;
    if (lead < 0) return this.reshape(x, shape); // x has fewer axes: only unit axes to put back
    const axes = from.flatMap((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? [i] : []));
    return this.reshape(this.sum(x, axes, true), shape);
  }

  /** a + b + ... of same-shaped values (one Sum node for three or more). */
  addAll(xs: readonly Value[]): Value {
    if (xs.length === 1) return xs[0];
    return xs.length === 2 ? this.add(xs[0], xs[1]) : this.op("Sum", xs);
  }
}
