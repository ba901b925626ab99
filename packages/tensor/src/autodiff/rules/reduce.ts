/**
 * reduce.ts — gradients of ReduceSum and ReduceMean.
 *
 * Teaches: a sum copies each input element into one output element, so the gradient copies back:
 *   y = sum(x, axes)    dx = expand(dy with the reduced axes as 1, x.shape)
 *   y = mean(x, axes)   dx = expand(dy / n, x.shape),  n = number of elements reduced into each y
 * With keepdims = 0 the reduced axes are first put back as 1 (a Reshape); no axes means all of them
 * (unless noop_with_empty_axes, where y = x).
 *
 * References: PyTorch derivatives.yaml (sum.dim_IntList: `sum_backward`, mean: `mean_backward`);
 * https://onnx.ai/onnx/operators/onnx__ReduceSum.html (axes as an input since opset 13/18).
 */
import { intAttr, intsAttr } from "../node_attrs.ts";
import type { VjpContext, VjpRule } from "../vjp_rule.ts";

/** The reduced axes of this node (normalized), or null for noop_with_empty_axes with no axes. */
function reducedAxes(c: VjpContext): number[] | null {
  const x = c.shape(c.input(0));
  const axes = c.has(1) ? c.values(1, "axes") : (intsAttr(c.node, "axes") ?? []);
  if (!axes.length) return intAttr(c.node, "noop_with_empty_axes", 0) ? null : x.map((_, i) => i);
  return axes.map((a) => (a < 0 ? a + x.length : a));
}

const reduceRule = (mean: boolean): VjpRule => (c, [dy]) => {
  if (!c.needs(0)) return [null, null];
  const x = c.shape(c.input(0));
  const axes = reducedAxes(c);
  if (!axes) return [dy, null];
  const kept = x.map((d, i) => (axes.includes(i) ? 1 : d)); // dy with the reduced axes as 1
  const n = axes.reduce((s, a) => s * x[a], 1);
  const g = mean ? c.scale(dy!, 1 / n) : dy!;
  return [c.op("Expand", [c.reshape(g, kept), c.ints(x)]), null];
};

export const REDUCE_RULES: Record<string, VjpRule> = {
  // y = sum(x, axes):  dx = expand(dy, x.shape)
  ReduceSum: reduceRule(false),
  // y = mean(x, axes):  dx = expand(dy / n, x.shape)
  ReduceMean: reduceRule(true),
};
