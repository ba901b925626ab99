/**
 * layout.ts — gradients of the ops that only move elements: Reshape, Squeeze, Unsqueeze, Flatten,
 * Transpose, Concat, Slice.
 *
 * Teaches: each of these is a permutation or selection of elements, so its VJP sends every element of
 * dy back to where it came from, and elements that were not selected get 0:
 *   reshape-like (Reshape, Squeeze, Unsqueeze, Flatten)   dx = reshape(dy, x.shape)
 *   y = transpose(x, perm)                               dx = transpose(dy, inverse(perm))
 *   y = concat(x1..xn, axis)                             dxi = slice(dy, [offset_i, offset_i + len_i), axis)
 *   y = slice(x, starts, ends, axes), step 1             dx = pad(dy, before = start, after = dim - end)
 * The shape / axes / bounds inputs are integers: no gradient.
 *
 * References: PyTorch derivatives.yaml (view, permute, cat: `cat_tensors_backward`, slice: `slice_backward`);
 * JAX lax.py (transpose, pad, slice transposes).
 */
import { intsAttr, intAttr } from "../node_attrs.ts";
import type { VjpRule } from "../vjp_rule.ts";

/** dx = dy with x's shape; the other inputs (shape, axes) get nothing. */
const reshapeLike: VjpRule = (c, [dy]) => [c.reshape(dy!, c.shape(c.input(0)))];

export const LAYOUT_RULES: Record<string, VjpRule> = {
  // reshape-like: dx = reshape(dy, x.shape)
  Reshape: reshapeLike,
  Squeeze: reshapeLike,
  Unsqueeze: reshapeLike,
  Flatten: reshapeLike,

  // y = transpose(x, perm):  dx = transpose(dy, inverse(perm))
  Transpose: (c, [dy]) => {
    const r = c.shape(c.input(0)).length;
    const perm = intsAttr(c.node, "perm") ?? [...Array(r).keys()].reverse();
    const inverse = new Array<number>(r);
    perm.forEach((p, i) => (inverse[p] = i));
    return [c.transpose(dy!, inverse)];
  },

  // y = concat(xs, axis):  dxi = slice of dy along axis
  Concat: (c, [dy]) => {
    const r = c.shape(dy!).length;
    const a0 = intAttr(c.node, "axis", 0);
    const axis = a0 < 0 ? a0 + r : a0;
    let offset = 0;
    return c.node.inputs.map((x, i) => {
      const len = c.shape(x!)[axis];
      const start = offset;
      offset += len;
      return c.needs(i) ? c.op("Slice", [dy!, c.ints([start]), c.ints([start + len]), c.ints([axis])]) : null;
    });
  },

  // y = slice(x, starts, ends, axes, steps = 1):  dx = pad(dy) with zeros outside [start, end)
  Slice: (c, [dy]) => {
    const sx = c.shape(c.input(0));
    const r = sx.length;
    const starts = c.values(1, "starts");
    const axes = c.has(3) ? c.values(3, "axes") : starts.map((_, i) => i);
    const steps = c.has(4) ? c.values(4, "steps") : starts.map(() => 1);
    if (steps.some((s) => s !== 1)) c.fail(`slice steps [${steps.join(", ")}]: only step 1 has a gradient rule`);
    const sy = c.shape(dy!);
    const pads = new Array<number>(2 * r).fill(0);
    axes.forEach((a0, i) => {
      const a = a0 < 0 ? a0 + r : a0;
      const s = starts[i] < 0 ? starts[i] + sx[a] : starts[i];
      pads[a] = Math.min(Math.max(s, 0), sx[a]); // elements before the slice
      pads[r + a] = sx[a] - pads[a] - sy[a]; // elements after it
    });
    return [pads.every((p) => p === 0) ? dy : c.op("Pad", [dy!, c.ints(pads)])];
  },
};
