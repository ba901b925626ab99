/**
 * grad.ts — reverse-mode automatic differentiation of an ONNX graph: `grad(graph, loss, wrt)`.
 *
 * Teaches: backpropagation is the chain rule applied from the loss backwards. With dv = dL/dv (the
 * "adjoint" of value v, same shape as v):
 *   1. seed   dloss = 1 (the loss is a scalar) or a given seed value (then grad computes the
 *             vector-Jacobian product seed . dloss/dwrt)
 *   2. walk the forward nodes in reverse topological order (the reverse of insertion order); for each
 *      node on a path wrt -> loss, sum the adjoints its outputs received and call the op's rule
 *      (rules/): it adds the VJP nodes and returns one adjoint per input
 *   3. an input used by several nodes receives several adjoints: they are summed (Add, or one Sum)
 *   4. the result for each wrt value is its summed adjoint, or zeros when the loss does not depend on it
 * The nodes are ADDED to the same graph (so one session runs forward and backward, and the backward
 * reads forward values directly); grad returns the adjoint values, and the caller marks what it wants
 * as outputs. Only float values carry adjoints: integer inputs (ids, shapes), bool conditions and
 * values computed from shapes get none; constants do not depend on wrt and are skipped.
 * Every adjoint's shape is checked against its value's (static shapes from shape_inference.ts), so a
 * rule that forgets to undo broadcasting fails here, naming its node, not in ORT.
 *
 * Not covered: higher-order gradients of ops whose backward uses ops without rules (ScatterND...),
 * control flow, in-place updates.
 *
 * References: DESIGN.md section 9; Baydin et al., "Automatic Differentiation in Machine Learning: a
 * Survey" (https://arxiv.org/abs/1502.05767); tinygrad `gradient.py` (compute_gradient: reverse toposort,
 * a rule per op, summed adjoints); JAX `backward_pass` (jax/_src/interpreters/ad.py); PyTorch autograd.
 */
import { isFloat } from "../dtype.ts";
import { GradientError } from "../errors.ts";
import type { Graph, GraphNode, Value } from "../onnx/graph.ts";
import { Tensor, numel } from "../tensor.ts";
import { Emitter } from "./emitter.ts";
import { opKey } from "./node_attrs.ts";
import { VJP_RULES } from "./rules/index.ts";
import { type ShapeInfo, inferShapes } from "./shape_inference.ts";
import { VjpContext, type VjpRule } from "./vjp_rule.ts";

export interface GradOptions {
  /**
   * dL/dloss when `loss` is not a scalar: a value of loss's shape (e.g. a graph input). grad then
   * returns the vector-Jacobian product seed . d loss / d wrt. Without it the loss must have one element.
   */
  seed?: Value;
  /** Extra or replacement rules, keyed like VJP_RULES ("Tanh", "com.microsoft.FusedMatMul"). */
  rules?: Readonly<Record<string, VjpRule>>;
  /** Sizes of symbolic input dims, for shape inference. */
  dims?: Readonly<Record<string, number>>;
  /** Shapes already inferred for this graph (reused and extended with the new nodes). */
  shapes?: ShapeInfo;
}

const shapeText = (s: readonly number[]) => `[${s.join(", ")}]`;

/** The nodes on a path from a wrt value to the loss, in reverse order, and which values are on it. */
function pathNodes(info: ShapeInfo, forward: readonly GraphNode[], loss: Value, wrt: readonly Value[]) {
  const active = new Set<Value>(wrt); // float values that depend on some wrt value
  for (const node of forward) {
    if (!node.inputs.some((i) => i && active.has(i))) continue;
    for (const o of node.outputs) if (info.type(o) && isFloat(info.dtype(o))) active.add(o);
  }
  const reaches = new Set<Value>([loss]); // values the loss depends on
  const nodes: GraphNode[] = [];
  for (let n = forward.length - 1; n >= 0; n--) {
    const node = forward[n];
    if (!node.outputs.some((o) => reaches.has(o) && active.has(o))) continue;
    nodes.push(node);
    for (const i of node.inputs) if (i && active.has(i)) reaches.add(i);
  }
  return { nodes, onPath: (v: Value) => active.has(v) && reaches.has(v) };
}

/**
 * Adds the backward of `loss` with respect to each `wrt` value to `graph`; returns the gradients in
 * wrt's order (each of its value's shape and dtype). The loss must be a float value with one element
 * (shape [] or all ones), unless `options.seed` is given.
 */
export function grad(graph: Graph, loss: Value, wrt: readonly Value[], options: GradOptions = {}): Value[] {
  const info = options.shapes ?? inferShapes(graph, { dims: options.dims });
  const forward = graph.nodeList().slice();
  for (const v of [loss, ...wrt, ...(options.seed ? [options.seed] : [])]) {
    if (v.graph !== graph) throw new GradientError(`${v.name} belongs to graph ${v.graph.name}, not ${graph.name}`);
  }
  for (const w of wrt) if (!isFloat(info.dtype(w))) throw new GradientError(`wrt ${w.name} is ${info.dtype(w)}: only float values have gradients`);
  if (!isFloat(info.dtype(loss))) throw new GradientError(`loss ${loss.name} is ${info.dtype(loss)}, not a float value`);

  const consts = new Map<string, Value>();
  const emitter = (stem: string) => new Emitter(graph, info, stem, consts);
  const adjoints = new Map<Value, Value[]>();
  const contribute = (v: Value, d: Value) => adjoints.set(v, [...(adjoints.get(v) ?? []), d]);
  /** The summed adjoint of v (summed once, then reused), or null when nothing reached it. */
  const total = (v: Value): Value | null => {
    const ds = adjoints.get(v);
    if (!ds?.length) return null;
    if (ds.length > 1) adjoints.set(v, [emitter(`d_${v.name}_sum`).addAll(ds)]);
    return adjoints.get(v)![0];
  };

  const lossShape = info.shape(loss);
  if (options.seed) {
    const s = info.shape(options.seed);
    if (shapeText(s) !== shapeText(lossShape)) throw new GradientError(`seed ${options.seed.name} has shape ${shapeText(s)}, loss ${loss.name} has ${shapeText(lossShape)}`);
    contribute(loss, options.seed);
  } else {
    if (numel(lossShape) !== 1) throw new GradientError(`loss ${loss.name} has shape ${shapeText(lossShape)}: grad needs a scalar loss (one element) or options.seed`);
    const e = emitter(`d_${loss.name}_seed`);
    contribute(loss, e.op("ConstantOfShape", [e.ints(lossShape)], { value: Tensor.fromValues([1], [1], info.dtype(loss)) }));
  }

  const { nodes, onPath } = pathNodes(info, forward, loss, wrt);
  for (const node of nodes) {
    const dys = node.outputs.map(total);
    if (dys.every((d) => !d)) continue;
    const key = opKey(node);
    const rule = options.rules?.[key] ?? VJP_RULES[key];
    if (!rule) throw new GradientError(`no gradient rule for op ${key} (add one in autodiff/rules/, or pass options.rules)`, node.name, key);
    const wanted = node.inputs.map((i) => !!i && onPath(i));
    const dxs = rule(new VjpContext(graph, info, consts, node, wanted), dys);
    node.inputs.forEach((x, i) => {
      const dx = dxs[i];
      if (!x || !wanted[i] || !dx) return;
      const [want, got] = [info.shape(x), info.shape(dx)];
      if (shapeText(want) !== shapeText(got) || info.dtype(x) !== info.dtype(dx)) {
        throw new GradientError(`the rule returned ${info.dtype(dx)} ${shapeText(got)} for input ${i} (${x.name}), which is ${info.dtype(x)} ${shapeText(want)}`, node.name, key);
      }
      contribute(x, dx);
    });
  }
  return wrt.map((w) => total(w) ?? emitter(`d_${w.name}_zero`).zeros(info.shape(w), info.dtype(w)));
}
