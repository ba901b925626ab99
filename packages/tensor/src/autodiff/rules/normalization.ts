/**
 * normalization.ts — gradients of LayerNormalization (SigLIP) and RMSNormalization (Gemma).
 *
 * Teaches: both normalize over the trailing axes (from `axis`, default -1) and recompute their
 * statistics in the backward (the forward node's optional Mean / InvStdDev outputs are not used):
 *   LayerNorm: xhat = (x - mean(x)) * rstd,   rstd = 1 / sqrt(var(x) + eps),   y = xhat * w + b
 *     g  = dy * w
 *     dx = rstd * (g - mean(g) - xhat * mean(g * xhat))
 *     dw = sum over the leading axes of dy * xhat,   db = sum of dy
 *   RMSNorm:   xhat = x * rstd,   rstd = 1 / sqrt(mean(x^2) + eps),   y = xhat * w
 *     dx = rstd * (g - xhat * mean(g * xhat)),   dw = sum of dy * xhat
 * (the means are over the normalized axes). Gemma's scale is 1 + w: an Add before the node, whose own
 * rule passes the gradient to w.
 *
 * References: llm.c `layernorm_backward` (train_gpt2.c); PyTorch derivatives.yaml
 * (native_layer_norm_backward, _fused_rms_norm_backward); https://onnx.ai/onnx/operators/onnx__RMSNormalization.html
 */
import type { Value } from "../../onnx/graph.ts";
import { floatAttr, intAttr } from "../node_attrs.ts";
import type { VjpContext, VjpRule } from "../vjp_rule.ts";

/** Shared by both norms: the normalized axes, xhat and rstd recomputed from x. */
function statistics(c: VjpContext, centered: boolean): { axes: number[]; xhat: Value; rstd: Value } {
  const x = c.input(0);
  const r = c.shape(x).length;
  const a0 = intAttr(c.node, "axis", -1);
  const a = a0 < 0 ? a0 + r : a0;
  const axes = Array.from({ length: r - a }, (_, i) => a + i);
  const xc = centered ? c.sub(x, c.mean(x, axes)) : x; // x - mean(x)  (LayerNorm only)
  const variance = c.mean(c.mul(xc, xc), axes); // var(x) or mean(x^2)   [..., 1]
  const eps = c.scalar(floatAttr(c.node, "epsilon", 1e-5), c.dtype(x));
  const rstd = c.op("Reciprocal", [c.op("Sqrt", [c.add(variance, eps)])]); // [..., 1]
  return { axes, xhat: c.mul(xc, rstd), rstd };
}

/** dx = rstd * (g - [mean(g)] - xhat * mean(g * xhat)), g = dy * w. */
function inputGrad(c: VjpContext, dy: Value, s: { axes: number[]; xhat: Value; rstd: Value }, centered: boolean): Value {
  const g = c.mul(dy, c.input(1));
  let t = c.sub(g, c.mul(s.xhat, c.mean(c.mul(g, s.xhat), s.axes)));
  if (centered) t = c.sub(t, c.mean(g, s.axes));
  return c.mul(s.rstd, t);
}

const normRule = (centered: boolean): VjpRule => (c, [dy, ...stats]) => {
  if (stats.some((d) => d)) c.fail("gradients through the Mean / InvStdDev outputs are not supported");
  const s = c.needs(0) || c.needs(1) ? statistics(c, centered) : null;
  return [
    s && c.needs(0) ? inputGrad(c, dy!, s, centered) : null,
    s && c.needs(1) ? c.unbroadcast(c.mul(dy!, s.xhat), c.shape(c.input(1))) : null, // dw = sum(dy * xhat)
    centered && c.needs(2) ? c.unbroadcast(dy!, c.shape(c.input(2))) : null, // db = sum(dy)
  ];
};

export const NORMALIZATION_RULES: Record<string, VjpRule> = {
  // y = (x - mean) * rstd * w + b:  formulas in the header
  LayerNormalization: normRule(true),
  // y = x * rstd * w:  formulas in the header
  RMSNormalization: normRule(false),
};
