/**
 * shape_inference.ts — static shapes and dtypes of every value of a graph: `inferShapes(graph)`.
 *
 * Teaches: once every graph input has concrete dims (a training graph is built for one batch and
 * sequence size), every value's shape follows from its producer's rule, in node order:
 *   shape(out) = rule(op, shapes of the inputs, attributes, values of constant inputs)
 * e.g. MatMul [..., M, K] x [..., K, N] -> [broadcast(...), M, N]; Reshape reads its target from a
 * constant. Shape arithmetic done inside the graph (Shape -> Gather -> Concat -> Reshape, Range from
 * a Shape) is folded along the way: small integer tensors carry their values (`ShapeInfo.values`).
 * Autodiff needs this to undo broadcasting (which axes to ReduceSum) and to split heads.
 *
 * ORT runs its own shape inference when it loads a model; this one exists on our side so a
 * transformation can ask "what is the shape of v?" while it builds nodes (grad.ts infers each node it
 * adds). A value whose shape cannot be known (a symbolic input dim left unbound, a Reshape whose target
 * is computed from data) is a ShapeInferenceError naming the node and the input.
 *
 * Rules: shape_rules/ (elementwise and broadcasting, layout, nn ops). Reference: ONNX's
 * per-op inference functions (onnx/defs/*.cc), https://onnx.ai/onnx/repo-docs/ShapeInference.html ;
 * DESIGN.md section 9. Leaves out: symbolic dims (we want numbers), sub-graphs, data-dependent shapes
 * (NonZero, TopK with a computed k).
 */
import type { DType } from "../dtype.ts";
import { ArgumentError, ShapeInferenceError } from "../errors.ts";
import type { Graph, GraphNode, Value } from "../onnx/graph.ts";
import { numel } from "../tensor.ts";
import { exactValues, opKey } from "./node_attrs.ts";
import { SHAPE_RULES } from "./shape_rules/index.ts";
import type { ShapeRule, ShapeRuleContext, TensorType } from "./shape_rules/rule.ts";

export type { ShapeRule, ShapeRuleContext, TensorType } from "./shape_rules/rule.ts";

/** Integer tensors up to this many elements carry their values (shape arithmetic, axes, bounds). */
const MAX_FOLDED = 4096;

export interface ShapeOptions {
  /** Concrete sizes of symbolic input dims, e.g. { batch: 2, seq: 16 }. */
  dims?: Readonly<Record<string, number>>;
  /** Extra or replacement rules, keyed by op type ("com.microsoft.X" for other domains). */
  rules?: Readonly<Record<string, ShapeRule>>;
}

/** The inferred types of a graph's values; grows as nodes are inferred (`inferNode`). */
export class ShapeInfo {
  /** value -> concrete dims */
  readonly shapes = new Map<Value, readonly number[]>();
  /** value -> dtype */
  readonly dtypes = new Map<Value, DType>();
  private readonly folded = new Map<Value, readonly number[] | null>();
  private inputs?: Map<Value, readonly (number | string)[]>;

  constructor(
    readonly graph: Graph,
    private readonly options: ShapeOptions = {},
  ) {}

  /** The type of `v`, or undefined when not inferred (yet). Graph inputs and initializers resolve lazily. */
  type(v: Value): TensorType | undefined {
    if (!this.shapes.has(v) && !this.resolveLeaf(v)) return undefined;
    const values = this.values(v);
    return { shape: this.shapes.get(v)!, dtype: this.dtypes.get(v)!, ...(values ? { values } : {}) };
  }

  /** Concrete dims of `v` (throws ArgumentError when unknown). */
  shape(v: Value): readonly number[] {
    const t = this.type(v);
    if (!t) throw new ArgumentError(`shape of ${v.name}: not inferred (is it a value of graph ${this.graph.name}, created before inference?)`);
    return t.shape;
  }

  dtype(v: Value): DType {
    this.shape(v);
    return this.dtypes.get(v)!;
  }

  /** Statically known elements of a small integer/bool value (constants and folded shape arithmetic). */
  values(v: Value): readonly number[] | undefined {
    if (this.folded.has(v)) return this.folded.get(v) ?? undefined;
    const init = v.kind === "initializer" ? this.graph.initializerInfo(v) : undefined;
    let vals: readonly number[] | null = null;
    if (init?.tensor && isIntegral(init.dtype) && numel(init.shape) <= MAX_FOLDED) vals = exactValues(init.dtype, init.tensor.data);
    this.folded.set(v, vals);
    return vals ?? undefined;
  }

  /** Infer the outputs of one node (its inputs must be known). */
  inferNode(node: GraphNode): void {
    const key = opKey(node);
    const rule = this.options.rules?.[key] ?? SHAPE_RULES[key];
    if (!rule) throw new ShapeInferenceError(node.name, key, `no shape rule for op ${key}`);
    const outs = rule(this.context(node));
    node.outputs.forEach((out, i) => {
      const t = outs[i];
      if (!t) return; // an output the rule does not describe: unknown until someone needs it
      if (t.shape.some((d) => !Number.isInteger(d) || d < 0)) throw new ShapeInferenceError(node.name, key, `inferred an invalid shape [${t.shape.join(", ")}] for output ${i}`);
      const dtype = t.dtype ?? out.dtype ?? this.dtypes.get(node.inputs.find((x) => x)!)!;
      this.shapes.set(out, [...t.shape]);
      this.dtypes.set(out, dtype);
      this.folded.set(out, t.values && isIntegral(dtype) && t.values.length <= MAX_FOLDED ? [...t.values] : null);
    });
  }

  private context(node: GraphNode): ShapeRuleContext {
    const key = opKey(node);
    const fail = (message: string): never => {
      throw new ShapeInferenceError(node.name, key, message);
    };
    const input = (i: number): TensorType => {
      const v = node.inputs[i];
      if (!v) return fail(`input ${i} is required but left out`);
      const t = this.type(v);
      if (!t) return fail(`input ${i} (${v.name}) has no known shape`);
      return t;
    };
    return {
      node,
      count: node.inputs.length,
      has: (i) => !!node.inputs[i],
      input,
      shape: (i) => input(i).shape,
      values: (i, what) => input(i).values ?? fail(`input ${i} (${node.inputs[i]!.name}, the ${what}) must be a constant or computed from shapes`),
      fail,
    };
  }

  /** Graph inputs (dims from the declaration, symbolic ones bound by options.dims) and initializers. */
  private resolveLeaf(v: Value): boolean {
    if (v.kind === "initializer") {
      const info = this.graph.initializerInfo(v);
      if (!info) return false;
      this.shapes.set(v, [...info.shape]);
      this.dtypes.set(v, info.dtype);
      return true;
    }
    if (v.kind !== "input") return false;
    this.inputs ??= new Map(this.graph.inputList().map((i) => [i.value, i.dims]));
    const dims = this.inputs.get(v);
    if (!dims) return false;
    const shape = dims.map((d) => {
      const n = typeof d === "number" ? d : this.options.dims?.[d];
      if (n === undefined) throw new ShapeInferenceError(v.name, "graph input", `dim "${d}" is symbolic: pass its size in options.dims (training graphs have fixed sizes)`);
      return n;
    });
    this.shapes.set(v, shape);
    this.dtypes.set(v, v.dtype!);
    return true;
  }
}

function isIntegral(dtype: DType): boolean {
  return dtype === "int64" || dtype === "int32" || dtype === "bool" || dtype === "uint8";
}

/**
 * Shapes and dtypes of every value of `graph`, node by node. Throws ShapeInferenceError naming the
 * first node whose input shape is unknown or inconsistent, or whose op has no rule.
 */
export function inferShapes(graph: Graph, options: ShapeOptions = {}): ShapeInfo {
  const info = new ShapeInfo(graph, options);
  for (const v of graph.inputList()) info.shape(v.value);
  for (const node of graph.nodeList()) info.inferNode(node);
  return info;
}
