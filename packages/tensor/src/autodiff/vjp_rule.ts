/**
 * vjp_rule.ts — what a gradient rule is: `VjpRule`, and the `VjpContext` it builds nodes with.
 *
 * Teaches: reverse mode needs, for each op y = f(x1, ..., xn), its vector-Jacobian product
 *   (dy) -> (dx1, ..., dxn),   dxi = dy . df/dxi      ("how much the loss moves per unit of xi")
 * A rule receives the forward node (inputs, outputs, attributes, their static shapes) and the
 * gradient of each output (null when no gradient reaches that output), and returns one gradient per
 * input: a Value of exactly the input's shape and dtype, or null for "no gradient" (integer ids, a
 * bool condition, a shape, or an input no wrt value depends on: `c.needs(i)` says which are wanted, so
 * a rule can skip the work). The nodes it adds are primitive ONNX ops: ORT's CPU build has no *Grad
 * kernels.
 *
 * References: DESIGN.md section 9; PyTorch tools/autograd/derivatives.yaml (one formula per op);
 * JAX `defvjp` / `ad.primitive_transposes`; tinygrad `gradient.py` (a dict op -> backward lambda).
 */
import { GradientError } from "../errors.ts";
import type { Graph, GraphNode, Value } from "../onnx/graph.ts";
import { Emitter } from "./emitter.ts";
import { opKey } from "./node_attrs.ts";
import type { ShapeInfo } from "./shape_inference.ts";

/** dys[k]: gradient of output k (null: none reaches it) -> one gradient per input (null/undefined: none). */
export type VjpRule = (c: VjpContext, dys: readonly (Value | null)[]) => readonly (Value | null | undefined)[];

/** The node being differentiated, its static shapes, and an Emitter whose nodes are named d_<node>. */
export class VjpContext extends Emitter {
  constructor(
    g: Graph,
    info: ShapeInfo,
    consts: Map<string, Value>,
    readonly node: GraphNode,
    private readonly wanted: readonly boolean[],
  ) {
    super(g, info, `d_${node.name}`, consts);
  }

  /** Input i (throws when the optional input is absent). */
  input(i: number): Value {
    return this.node.inputs[i] ?? this.fail(`input ${i} is required`);
  }
  has(i: number): boolean {
    return !!this.node.inputs[i];
  }
  /** Output k of the forward node (e.g. y, to reuse exp(x) or softmax(x)). */
  output(k = 0): Value {
    return this.node.outputs[k];
  }
  /** Whether input i needs a gradient (it depends on a wrt value and the loss depends on it). */
  needs(i: number): boolean {
    return this.wanted[i] ?? false;
  }
  /** Static values of input i (axes, shapes, bounds); `what` names it when unknown. */
  values(i: number, what: string): readonly number[] {
    return this.info.values(this.input(i)) ?? this.fail(`input ${i} (${what}) must be a constant`);
  }
  /** Throw a GradientError naming this node. */
  fail(message: string): never {
    throw new GradientError(message, this.node.name, opKey(this.node));
  }
}
