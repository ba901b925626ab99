/**
 * arithmetic.ts — gradients of the broadcasting ops: Add, Sub, Mul, Div, Sum, Where, Expand.
 *
 * Teaches: each formula is computed at the output's (broadcast) shape, then summed back down to the
 * input's shape (`unbroadcast`): an input stretched over an axis received the same element many
 * times, so its gradient is the sum of all those uses.
 *
 * References: PyTorch derivatives.yaml (add, sub, mul, div, where, expand: `sum_to`);
 * JAX lax.py (`_unbroadcast`); DESIGN.md section 9.
 */
import type { Value } from "../../onnx/graph.ts";
import type { VjpContext, VjpRule } from "../vjp_rule.ts";

/** The gradient of input i: f() at the output shape, summed down to input i's shape (null when not wanted). */
export function toInput(c: VjpContext, i: number, f: () => Value): Value | null {
  return c.needs(i) ? c.unbroadcast(f(), c.shape(c.input(i))) : null;
}

export const ARITHMETIC_RULES: Record<string, VjpRule> = {
  // y = a + b:  da = dy,  db = dy
  Add: (c, [dy]) => [toInput(c, 0, () => dy!), toInput(c, 1, () => dy!)],

  // y = a - b:  da = dy,  db = -dy
  Sub: (c, [dy]) => [toInput(c, 0, () => dy!), toInput(c, 1, () => c.neg(dy!))],

  // y = a * b:  da = dy * b,  db = dy * a
  Mul: (c, [dy]) => [toInput(c, 0, () => c.mul(dy!, c.input(1))), toInput(c, 1, () => c.mul(dy!, c.input(0)))],

  // y = a / b:  da = dy / b,  db = -dy * a / b^2 = -(dy / b) * y
  Div: (c, [dy]) => {
    const t = c.div(dy!, c.input(1)); // dy / b, shared
    return [toInput(c, 0, () => t), toInput(c, 1, () => c.neg(c.mul(t, c.output())))];
  },

  // y = x1 + ... + xn:  dxi = dy
  Sum: (c, [dy]) => c.node.inputs.map((_, i) => toInput(c, i, () => dy!)),

  // y = where(cond, a, b):  da = where(cond, dy, 0),  db = where(cond, 0, dy);  cond: none
  Where: (c, [dy]) => {
    const zero = c.scalar(0, c.dtype(dy!));
    const cond = c.input(0);
    return [null, toInput(c, 1, () => c.op("Where", [cond, dy!, zero])), toInput(c, 2, () => c.op("Where", [cond, zero, dy!]))];
  },

  // y = expand(x, shape):  dx = sum of dy over the expanded axes;  shape: none
  Expand: (c, [dy]) => [toInput(c, 0, () => dy!), null],
};
