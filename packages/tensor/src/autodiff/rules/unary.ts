/**
 * unary.ts — gradients of the elementwise functions: Neg, Exp, Log, Sqrt, Tanh, Sigmoid, Softplus,
 * Reciprocal, Gelu, Identity, Cast.
 *
 * Teaches: for y = f(x) elementwise, dx = dy * f'(x), and f' is often cheapest in terms of y:
 *   exp: y      sqrt: 1 / (2 y)      tanh: 1 - y^2      sigmoid: y (1 - y)      1/x: -y^2
 * Gelu (tanh form, Gemma/SigLIP), with u = k (x + c x^3), k = sqrt(2/pi), c = 0.044715, t = tanh(u):
 *   y  = 0.5 x (1 + t)
 *   y' = 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2)
 * Gelu (exact): y = x Phi(x), y' = Phi(x) + x phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2, phi = N(0, 1) pdf.
 *
 * References: PyTorch derivatives.yaml (exp, log, sqrt, tanh_backward, sigmoid_backward,
 * softplus_backward, gelu_backward in aten/src/ATen/native/Activation.cpp); DESIGN.md section 9.
 */
import { isFloat } from "../../dtype.ts";
import type { Value } from "../../onnx/graph.ts";
import { onnxDataType } from "../../onnx/onnx_proto.ts";
import { stringAttr } from "../node_attrs.ts";
import type { VjpContext, VjpRule } from "../vjp_rule.ts";

/** dx = dy * f'(x, y), the one-input elementwise form. */
const elementwise = (df: (c: VjpContext, dy: Value) => Value): VjpRule => (c, [dy]) => [c.needs(0) ? df(c, dy!) : null];

/** Gelu tanh form: dy * (0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2)). */
const geluTanhGrad = elementwise((c, dy) => {
  const x = c.input(0);
  const dt = c.dtype(x);
  const k = Math.sqrt(2 / Math.PI);
  const x2 = c.mul(x, x);
  const u = c.scale(c.add(x, c.scale(c.mul(x, x2), 0.044715)), k); // k (x + c x^3)
  const t = c.op("Tanh", [u]);
  const left = c.scale(c.add(t, c.scalar(1, dt)), 0.5); // 0.5 (1 + t)
  const du = c.scale(c.add(c.scale(x2, 3 * 0.044715), c.scalar(1, dt)), 0.5 * k); // 0.5 k (1 + 3 c x^2)
  const right = c.mul(c.mul(x, c.oneMinusSquare(t)), du);
  return c.mul(dy, c.add(left, right));
});

/** Gelu exact: dy * (Phi(x) + x phi(x)). */
const geluErfGrad = elementwise((c, dy) => {
  const x = c.input(0);
  const dt = c.dtype(x);
  const Phi = c.scale(c.add(c.op("Erf", [c.scale(x, Math.SQRT1_2)]), c.scalar(1, dt)), 0.5);
  const phi = c.scale(c.op("Exp", [c.scale(c.mul(x, x), -0.5)]), 1 / Math.sqrt(2 * Math.PI));
  return c.mul(dy, c.add(Phi, c.mul(x, phi)));
});

export const UNARY_RULES: Record<string, VjpRule> = {
  // y = x:  dx = dy
  Identity: elementwise((_c, dy) => dy),
  // y = -x:  dx = -dy
  Neg: elementwise((c, dy) => c.neg(dy)),
  // y = exp(x):  dx = dy * y
  Exp: elementwise((c, dy) => c.mul(dy, c.output())),
  // y = log(x):  dx = dy / x
  Log: elementwise((c, dy) => c.div(dy, c.input(0))),
  // y = sqrt(x):  dx = dy * 0.5 / y
  Sqrt: elementwise((c, dy) => c.div(c.scale(dy, 0.5), c.output())),
  // y = tanh(x):  dx = dy * (1 - y^2)
  Tanh: elementwise((c, dy) => c.mul(dy, c.oneMinusSquare(c.output()))),
  // y = sigmoid(x):  dx = dy * y * (1 - y)
  Sigmoid: elementwise((c, dy) => {
    const y = c.output();
    return c.mul(dy, c.mul(y, c.sub(c.scalar(1, c.dtype(y)), y)));
  }),
  // y = log(1 + exp(x)):  dx = dy * sigmoid(x)
  Softplus: elementwise((c, dy) => c.mul(dy, c.op("Sigmoid", [c.input(0)]))),
  // y = 1 / x:  dx = -dy * y^2
  Reciprocal: elementwise((c, dy) => {
    const y = c.output();
    return c.neg(c.mul(dy, c.mul(y, y)));
  }),
  // y = gelu(x) (approximate "tanh" or "none"), formulas in the header
  Gelu: (c, dys) => (stringAttr(c.node, "approximate", "none") === "tanh" ? geluTanhGrad : geluErfGrad)(c, dys),
  // y = cast(x):  dx = cast(dy) back to x's dtype, float -> float only (an integer side has no gradient)
  Cast: (c, [dy]) => {
    const from = c.dtype(c.input(0));
    if (!c.needs(0) || !isFloat(from) || !isFloat(c.dtype(dy!))) return [null];
    return [from === c.dtype(dy!) ? dy : c.op("Cast", [dy!], { to: onnxDataType(from) })];
  },
};
