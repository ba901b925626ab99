/**
 * input_params.ts — `InputParams`: a model's weights as GRAPH INPUTS, the binding training uses.
 *
 * Teaches: where a weight lives is the GraphParams binding's choice (graph_ops.ts). For inference it
 * is an initializer (in the model, or memory-mapped from the checkpoint); for training it must change
 * every step, so it becomes an input named after the parameter:
 *   const params = InputParams.fromTensors(weights);           // or new InputParams({ name: shape })
 *   const ops = new GraphOps(g, params);
 *   const loss = lossOf(layer(ops, x));                          // the ONE layer definition
 *   const grads = grad(g, loss, [...params.bound(g).values()]);  // d loss / d every weight used
 * The feeds of a run are then { ...activations, ...parameter tensors by name }, and a training step
 * can return the updated parameters as outputs. `linearWeight` hands the float weight to
 * onnx/ops/linear.ts, which emits FusedMatMul(x, W, transB) exactly as in inference, so the graph
 * that is differentiated is the graph inference runs. A parameter used twice (a tied embedding) is
 * one input, and its gradient sums both uses.
 *
 * Reference: graph_ops.ts (GraphParams), ../autodiff/grad.ts; DESIGN.md section 9 ("parameters,
 * AdamW moments and the step counter are graph inputs and outputs").
 * Leaves out: the optimizer update itself (a training step adds it after grad).
 */
import type { DType } from "../dtype.ts";
import { ArgumentError } from "../errors.ts";
import type { Graph, Value } from "../onnx/graph.ts";
import type { LinearWeight } from "../onnx/ops/linear.ts";
import type { Shape, Tensor } from "../tensor.ts";
import type { GraphParams } from "./graph_ops.ts";

export class InputParams implements GraphParams {
  private readonly specs: Map<string, Shape>;
  private readonly graphs = new WeakMap<Graph, Map<string, Value>>();

  /** `specs`: each parameter's shape by name (Hugging Face names); all are `dtype` (float32). */
  constructor(specs: Readonly<Record<string, Shape>> | ReadonlyMap<string, Shape>, readonly dtype: DType = "float32") {
    this.specs = new Map(specs instanceof Map ? specs : Object.entries(specs));
  }

  /** The shapes of some tensors (e.g. an initialized model's weights) as parameter specs. */
  static fromTensors(tensors: Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>): InputParams {
    const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
    return new InputParams(new Map(entries.map(([name, t]) => [name, t.shape])));
  }

  /** Every parameter name this binding knows. */
  names(): string[] {
    return [...this.specs.keys()];
  }
  shape(name: string): Shape {
    const s = this.specs.get(name);
    if (!s) throw new ArgumentError(`InputParams: no parameter "${name}" among the ${this.specs.size} known (${this.names().slice(0, 6).join(", ")}${this.specs.size > 6 ? ", ..." : ""})`);
    return s;
  }

  /** The graph input for parameter `name` in `g` (declared on first use, reused after). */
  tensor(g: Graph, name: string): Value {
    let bound = this.graphs.get(g);
    if (!bound) this.graphs.set(g, (bound = new Map()));
    let v = bound.get(name);
    if (!v) bound.set(name, (v = g.input(name, this.dtype, this.shape(name))));
    return v;
  }

  /** Linear weights stay float ([out, in]): the same FusedMatMul as inference, on the input. */
  linearWeight(_g: Graph, _name: string, float: () => Value): LinearWeight {
    return { kind: "float", weight: float() };
  }

  /** Embedding rows cannot be read in JS: the weights are fed per run. Use ops.gather in the graph. */
  rows(name: string): Tensor {
    throw new ArgumentError(`InputParams: "${name}" is a graph input, its rows are not in memory; look them up in the graph (ops.gather)`);
  }

  /** The parameters used by graph `g` so far, name -> graph input, in order of first use. */
  bound(g: Graph): ReadonlyMap<string, Value> {
    return this.graphs.get(g) ?? new Map();
  }
}
