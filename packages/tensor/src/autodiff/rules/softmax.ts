/**
 * softmax.ts — gradients of Softmax and LogSoftmax along one axis.
 *
 * Teaches: with y = softmax(x) the Jacobian is diag(y) - y y^T, so its product with dy is
 *   dx = y * (dy - sum(dy * y, axis))
 * and with y = log_softmax(x) = x - logsumexp(x), the Jacobian is I - softmax(x) 1^T:
 *   dx = dy - exp(y) * sum(dy, axis)
 * Both reuse the forward output y, so nothing is recomputed.
 *
 * References: DESIGN.md section 9; PyTorch derivatives.yaml (_softmax_backward_data,
 * _log_softmax_backward_data); https://onnx.ai/onnx/operators/onnx__Softmax.html (axis, opset 13).
 */
import { intAttr } from "../node_attrs.ts";
import type { VjpRule } from "../vjp_rule.ts";

export const SOFTMAX_RULES: Record<string, VjpRule> = {
  // y = softmax(x):  dx = y * (dy - sum(dy * y, axis))
  Softmax: (c, [dy]) => {
    const y = c.output();
    const axis = intAttr(c.node, "axis", -1);
    return [c.mul(y, c.sub(dy!, c.sum(c.mul(dy!, y), [axis])))];
  },
  // y = log_softmax(x):  dx = dy - exp(y) * sum(dy, axis)
  LogSoftmax: (c, [dy]) => {
    const y = c.output();
    const axis = intAttr(c.node, "axis", -1);
    return [c.sub(dy!, c.mul(c.op("Exp", [y]), c.sum(dy!, [axis])))];
  },
};
