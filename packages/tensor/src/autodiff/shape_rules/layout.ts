/**
 * layout.ts — shape rules of the ops that move or pick elements: Reshape, Transpose, Concat, Slice,
 * Gather, Expand, Pad, Squeeze/Unsqueeze, Scatter*, and the shape ops Shape, Size, Range.
 *
 * Teaches (ONNX semantics, x of rank r):
 *   Reshape(x, s)        0 keeps x's dim (allowzero = 0), one -1 takes what is left
 *   Transpose(x, perm)   out[i] = x[perm[i]]            (default perm: reversed)
 *   Concat(xs, axis)     dims equal except axis, which adds up
 *   Slice(x, st, en)     per axis: negative = from the end, clamped; len = ceil((en - st) / step)
 *   Gather(x, ids, a)    x[:a] + ids.shape + x[a+1:]
 *   Expand(x, s)         broadcast(x.shape, s)
 *   Pad(x, pads)         d + pads[i] + pads[r + i]
 *   Shape(x)             the dims as int64 values (start/end since opset 15), Size(x) their product
 *   Range(a, b, d)       max(ceil((b - a) / d), 0) elements
 * Values are carried through the ops a shape computation uses (Reshape, Squeeze, Concat, Gather, Slice).
 *
 * Reference: https://onnx.ai/onnx/operators/ (each op's "Shape inference" notes).
 */
import { broadcastShapes } from "../../ops/binary.ts";
import { numel } from "../../tensor.ts";
import { intAttr, intsAttr } from "../node_attrs.ts";
import { type OutputType, type ShapeRule, type ShapeRuleContext, axisOf } from "./rule.ts";

/** [outer, n, inner] of `shape` around axis a. */
function around(shape: readonly number[], a: number): [number, number, number] {
  return [numel(shape.slice(0, a)), shape[a], numel(shape.slice(a + 1))];
}

const keep = (shape: readonly number[], values: readonly number[] | undefined): OutputType => ({ shape, ...(values ? { values } : {}) });

/** Axes from input 1 (opset 13+) or the `axes` attribute (older opsets); undefined when absent. */
export function axesOf(c: ShapeRuleContext, inputIndex = 1): readonly number[] | undefined {
  return c.has(inputIndex) ? c.values(inputIndex, "axes") : intsAttr(c.node, "axes");
}

function reshape(c: ShapeRuleContext): number[] {
  const x = c.shape(0);
  const target = c.values(1, "shape");
  const allowZero = intAttr(c.node, "allowzero", 0);
  const out = target.map((d, i) => (d === 0 && !allowZero ? (i < x.length ? x[i] : c.fail(`shape[${i}] = 0 copies a dim x does not have`)) : d));
  const infer = out.indexOf(-1);
  if (out.filter((d) => d === -1).length > 1) c.fail(`at most one -1 in the shape [${target.join(", ")}]`);
  const known = numel(out.filter((d) => d !== -1));
  if (infer >= 0) out[infer] = known === 0 ? 0 : numel(x) / known;
  if (numel(out) !== numel(x) || !Number.isInteger(out[infer] ?? 0)) c.fail(`cannot reshape [${x.join(", ")}] to [${target.join(", ")}]`);
  return out;
}

function slice(c: ShapeRuleContext): OutputType {
  const x = c.input(0);
  const starts = c.values(1, "starts");
  const ends = c.values(2, "ends");
  const axes = c.has(3) ? c.values(3, "axes") : starts.map((_, i) => i);
  const steps = c.has(4) ? c.values(4, "steps") : starts.map(() => 1);
  const shape = [...x.shape];
  const bounds = x.shape.map((d) => ({ start: 0, step: 1, len: d }));
  axes.forEach((ax, i) => {
    const a = axisOf(c, ax, x.shape.length, "slice axis");
    const d = x.shape[a];
    const step = steps[i];
    if (!step) c.fail("a slice step is 0");
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
    const start = step > 0 ? clamp(starts[i], 0, d) : clamp(starts[i], 0, d - 1);
    const end = step > 0 ? clamp(ends[i], 0, d) : clamp(ends[i], -1, d - 1);
    shape[a] = Math.max(0, Math.ceil((end - start) / step));
    bounds[a] = { start, step, len: shape[a] };
  });
  const values = x.values && x.shape.length === 1 ? Array.from({ length: shape[0] }, (_, i) => x.values![bounds[0].start + i * bounds[0].step]) : undefined;
  return keep(shape, values);
}

function gather(c: ShapeRuleContext): OutputType {
  const x = c.input(0);
  const ids = c.input(1);
  const a = axisOf(c, intAttr(c.node, "axis", 0), x.shape.length);
  const shape = [...x.shape.slice(0, a), ...ids.shape, ...x.shape.slice(a + 1)];
  if (!x.values || !ids.values) return { shape };
  const [outer, n, inner] = around(x.shape, a);
  const values: number[] = [];
  for (let o = 0; o < outer; o++) for (const id of ids.values) for (let j = 0; j < inner; j++) values.push(x.values[(o * n + (id < 0 ? id + n : id)) * inner + j]);
  return { shape, values };
}

function concat(c: ShapeRuleContext): OutputType {
  const xs = Array.from({ length: c.count }, (_, i) => c.input(i));
  const r = xs[0].shape.length;
  const a = axisOf(c, intAttr(c.node, "axis") ?? c.fail("attribute axis is required"), r);
  for (const [i, x] of xs.entries()) {
    if (x.shape.length !== r || x.shape.some((d, k) => k !== a && d !== xs[0].shape[k])) c.fail(`input ${i} [${x.shape.join(", ")}] does not match input 0 [${xs[0].shape.join(", ")}] off axis ${a}`);
  }
  const shape = [...xs[0].shape];
  shape[a] = xs.reduce((s, x) => s + x.shape[a], 0);
  if (xs.some((x) => !x.values)) return { shape };
  const outer = numel(shape.slice(0, a));
  const values: number[] = [];
  for (let o = 0; o < outer; o++) for (const x of xs) values.push(...x.values!.slice(o * (x.values!.length / outer), (o + 1) * (x.values!.length / outer)));
  return { shape, values };
}

export const LAYOUT_RULES: Record<string, ShapeRule> = {
  Reshape: (c) => [keep(reshape(c), c.input(0).values)],
  Flatten: (c) => {
    const x = c.shape(0);
    const a = intAttr(c.node, "axis", 1);
    const k = a < 0 ? a + x.length : a;
    return [keep([numel(x.slice(0, k)), numel(x.slice(k))], c.input(0).values)];
  },
  Squeeze: (c) => {
    const x = c.shape(0);
    const axes = axesOf(c)?.map((ax) => axisOf(c, ax, x.length, "squeeze axis")) ?? x.flatMap((d, i) => (d === 1 ? [i] : []));
    for (const a of axes) if (x[a] !== 1) c.fail(`cannot squeeze axis ${a} of size ${x[a]}`);
    return [keep(x.filter((_, i) => !axes.includes(i)), c.input(0).values)];
  },
  Unsqueeze: (c) => {
    const x = c.shape(0);
    const r = x.length + (axesOf(c)?.length ?? c.fail("axes are required"));
    const axes = axesOf(c)!.map((ax) => axisOf(c, ax, r, "unsqueeze axis"));
    const rest = [...x];
    return [keep(Array.from({ length: r }, (_, i) => (axes.includes(i) ? 1 : rest.shift()!)), c.input(0).values)];
  },
  Transpose: (c) => {
    const x = c.shape(0);
    const perm = intsAttr(c.node, "perm") ?? x.map((_, i) => x.length - 1 - i);
    if (perm.length !== x.length || [...perm].sort().some((p, i) => p !== i)) c.fail(`perm [${perm.join(", ")}] is not a permutation of rank ${x.length}`);
    return [{ shape: perm.map((p) => x[p]) }];
  },
  Concat: (c) => [concat(c)],
  Slice: (c) => [slice(c)],
  Gather: (c) => [gather(c)],
  Expand: (c) => {
    try {
      return [{ shape: broadcastShapes(c.shape(0), c.values(1, "shape")) }];
    } catch (e) {
      return c.fail((e as Error).message);
    }
  },
  Pad: (c) => {
    const x = c.shape(0);
    const pads = c.values(1, "pads");
    const axes = c.has(3) ? c.values(3, "axes").map((a) => axisOf(c, a, x.length)) : x.map((_, i) => i);
    if (pads.length !== 2 * axes.length) c.fail(`pads has ${pads.length} entries for ${axes.length} axes`);
    const shape = [...x];
    axes.forEach((a, i) => (shape[a] += pads[i] + pads[axes.length + i]));
    return [{ shape }];
  },
  ScatterND: (c) => [{ shape: c.shape(0) }],
  ScatterElements: (c) => [{ shape: c.shape(0) }],
  Shape: (c) => {
    const x = c.shape(0);
    const r = x.length;
    const at = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const values = x.slice(at(intAttr(c.node, "start", 0)), at(intAttr(c.node, "end", r)));
    return [{ shape: [values.length], dtype: "int64", values }];
  },
  Size: (c) => [{ shape: [], dtype: "int64", values: [numel(c.shape(0))] }],
  Range: (c) => {
    const [start, limit, delta] = [0, 1, 2].map((i) => c.values(i, ["start", "limit", "delta"][i])[0]);
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    return [{ shape: [n], values: Array.from({ length: n }, (_, i) => start + i * delta) }];
  },
};
