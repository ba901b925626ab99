/**
 * no_gradient.ts — the ops through which no gradient flows.
 *
 * Teaches: some ops' outputs do not depend smoothly on their float inputs: shapes and sizes (Shape,
 * Size), comparisons and logic (bool), index computations (Range, ArgMax, NonZero), constants
 * (ConstantOfShape) and piecewise-constant rounding (Floor, Ceil, Round, Sign: derivative 0 almost
 * everywhere). Their rule returns no gradient for every input, so a float input that only reaches the
 * loss through them gets none (a wrt value gets zeros, see grad.ts). Integer and bool outputs never
 * carry gradients anyway; listing the ops keeps "no rule" errors for the ops that really lack one.
 *
 * References: PyTorch derivatives.yaml (`output_differentiability: [False]`, floor/round: zeros_like);
 * JAX `ad_util.stop_gradient` and the non-differentiable primitives.
 */
import type { VjpRule } from "../vjp_rule.ts";

const NONE: VjpRule = (c) => c.node.inputs.map(() => null);

const OPS = [
  "Shape", "Size", "ConstantOfShape", "Range", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual",
  "Not", "And", "Or", "Xor", "IsNaN", "IsInf", "ArgMax", "ArgMin", "NonZero", "Floor", "Ceil", "Round", "Sign",
];

export const NO_GRADIENT_RULES: Record<string, VjpRule> = Object.fromEntries(OPS.map((op) => [op, NONE]));
