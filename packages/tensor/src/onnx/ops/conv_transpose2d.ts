/**
 * conv_transpose2d.ts — 2-D transposed convolution as a graph node: `convTranspose2d(g, x, w, b, options)`.
 *
 * Teaches: ONNX `ConvTranspose` is the reference kernel (../../ops/conv_transpose2d.ts) in one node:
 * every input pixel scatters its kh x kw filter stamp, `stride` apart, overlapping stamps add, and
 * `pads` crop the borders of the result:
 *   Ho = (H - 1) * sh - 2 * ph + kh + oph
 * The weight is [C_in, C_out, kh, kw], the same layout as PyTorch's ConvTranspose2d, so a PyTorch
 * checkpoint binds unchanged (no flip, no transpose).
 *
 * Reference: https://onnx.ai/onnx/operators/onnx__ConvTranspose.html
 * Leaves out: dilation, groups, output_shape / auto_pad.
 */
import { convPair } from "../../ops/conv2d.ts";
import type { ConvTranspose2dOptions } from "../../ops/conv_transpose2d.ts";
import type { Graph, Value } from "../graph.ts";

/** x [N, C, H, W], weight [C, O, kh, kw], bias [O] | null -> [N, O, Ho, Wo] */
export function convTranspose2d(g: Graph, x: Value, weight: Value, bias: Value | null, options: ConvTranspose2dOptions = {}): Value {
  const op = "convTranspose2d";
  const [sh, sw] = convPair(options.stride, 1, "stride", op);
  const [ph, pw] = convPair(options.padding, 0, "padding", op);
  const [oph, opw] = convPair(options.outputPadding, 0, "outputPadding", op);
  const attrs = { strides: [sh, sw], pads: [ph, pw, ph, pw], ...(oph || opw ? { output_padding: [oph, opw] } : {}) };
  return g.op("ConvTranspose", [x, weight, bias], attrs); // [N, O, Ho, Wo]
}
