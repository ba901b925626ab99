/**
 * conv2d.ts — 2-D convolution as a graph node: `conv2d(g, x, w, b, { stride, padding })`.
 *
 * Teaches: ONNX `Conv` is the whole reference kernel (../../ops/conv2d.ts) in one node:
 *   y[n, o, i, j] = b[o] + sum_{c,u,v} x[n, c, i*sh + u - ph, j*sw + v - pw] * w[o, c, u, v]
 * with zero padding given per border as pads = [top, left, bottom, right] (symmetric here).
 * The weight is [C_out, C_in, kh, kw], as in PyTorch checkpoints, so it binds unchanged.
 *
 * Reference: https://onnx.ai/onnx/operators/onnx__Conv.html
 * Leaves out: dilation, groups, auto_pad (asymmetric "SAME" padding).
 */
import { type Conv2dOptions, convPair } from "../../ops/conv2d.ts";
import type { Graph, Value } from "../graph.ts";

/** x [N, C, H, W], weight [O, C, kh, kw], bias [O] | null -> [N, O, Ho, Wo] */
export function conv2d(g: Graph, x: Value, weight: Value, bias: Value | null, options: Conv2dOptions = {}): Value {
  const [sh, sw] = convPair(options.stride, 1, "stride");
  const [ph, pw] = convPair(options.padding, 0, "padding");
  return g.op("Conv", [x, weight, bias], { strides: [sh, sw], pads: [ph, pw, ph, pw] }); // [N, O, Ho, Wo]
}
