/**
 * rule.ts — what a shape rule sees and returns (shape_inference.ts runs them node by node).
 *
 * Teaches: a shape rule is the op's spec read as a function of the input types:
 *   (input shapes, dtypes, constant values, attributes) -> one TensorType per output
 * It may also return the output's values when the op computes on shapes (Shape, Concat of dims,
 * Range...), which is how a Reshape target computed inside the graph becomes a number.
 *
 * Reference: ONNX inference functions (onnx/defs/*.cc, `propagateShapeAndTypeFromFirstInput` etc.).
 */
import type { DType } from "../../dtype.ts";
import type { GraphNode } from "../../onnx/graph.ts";

/** A value's static type: concrete dims, dtype, and (small integer values) the elements themselves. */
export interface TensorType {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Statically known elements, row-major: constants and shape arithmetic (integer/bool values only). */
  readonly values?: readonly number[];
}

export interface ShapeRuleContext {
  readonly node: GraphNode;
  /** Number of inputs, optional ones left out included. */
  readonly count: number;
  /** Whether optional input i is present. */
  has(i: number): boolean;
  /** The type of input i (throws, naming the node and input, when it is absent or unknown). */
  input(i: number): TensorType;
  shape(i: number): readonly number[];
  /** The values of input i, which must be known (`what` names it in the error: "shape", "axes"). */
  values(i: number, what: string): readonly number[];
  /** Throw a ShapeInferenceError naming this node. */
  fail(message: string): never;
}

/** An output's inferred type; dtype defaults to the Value's own, else input 0's. */
export interface OutputType {
  readonly shape: readonly number[];
  readonly dtype?: DType;
  readonly values?: readonly number[];
}

/** One entry per output; a missing entry leaves that output unknown. */
export type ShapeRule = (c: ShapeRuleContext) => readonly (OutputType | undefined)[];

/** An axis made non-negative, or a ShapeInferenceError. */
export function axisOf(c: ShapeRuleContext, axis: number, rank: number, what = "axis"): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) c.fail(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}
