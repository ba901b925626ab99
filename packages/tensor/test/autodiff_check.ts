/**
 * autodiff_check.ts — the finite-difference oracle the autodiff tests share (not a test file itself).
 *
 * A case is a forward written once as `forward(g, x, dtype)`. The gradient under test is the float32
 * graph's: grad(g, y, wrt, { seed: dy }) with a random dy, run in onnxruntime; the loss the oracle
 * differentiates is L(x) = sum(y(x) * dy), computed in JS doubles from the outputs of a second graph
 * built from the same forward, so the gradient of L is exactly the VJP grad returns.
 *
 *   oracle "float64" (ops ORT runs in double: Add, MatMul, Softmax, LayerNormalization, Gelu...):
 *     central differences per element, h = 1e-5: truncation ~h^2 = 1e-10, rounding ~1e-16 |L| / h,
 *     so the oracle is good to ~1e-9 and the f32 gradient's own error (~1e-6 relative) is what shows.
 *     Checked: |analytic - fd| <= tol * max|fd| for every sampled element (tol defaults to 1e-4).
 *   oracle "float32" (Attention, RotaryEmbedding, Conv, Softplus, Erf have no double kernel):
 *     Richardson-extrapolated central differences, R = (4 D(h/2) - D(h)) / 3 with
 *     D(h) = (L(x + h r) - L(x - h r)) / 2h, which cancels the h^2 term (truncation ~h^4):
 *       - along 4 random directions r ~ N(0, I) (a random projection of the whole gradient):
 *         |R - <analytic, r>| <= tol * ||analytic||_2    (|<g, r>| is ~||g||_2 for such r)
 *       - and per sampled element (r = e_i), |R - analytic_i| <= tol * max|analytic|
 *     h = 0.02 (directions and elements); float32 rounding of L (~6e-8 sum|y dy|) divided by h is
 *     the noise floor (worst measured ~8e-5 with correct rules). tol defaults to 1e-3.
 * Every analytic gradient must also be finite (a fully masked attention row must give 0, not NaN),
 * and the whole graph (forward + backward) must pass inferShapes with each gradient of its input's shape.
 */
import { expect } from "vitest";
import {
  type DType, Graph, type OnnxSession, type Rng, Tensor, type Value, type VjpRule, getSession, grad, inferShapes, seededRng,
} from "../src/index.ts";

export type FloatDType = "float32" | "float64";

export interface InputSpec {
  shape: number[];
  /** Default "float" (float32 in the graph under test, the oracle's dtype in the oracle). */
  dtype?: "float" | "int64" | "int32" | "bool";
  /** Fixed values (required for ids, bools, masks); floats are N(0, 1) otherwise. */
  values?: readonly number[];
  /** Custom random values (e.g. positive ones for Sqrt/Log). */
  init?: (rng: Rng) => number;
  /** Differentiate with respect to this float input (default true). */
  wrt?: boolean;
  /** The forward declares this input itself (e.g. a parameter bound by InputParams). */
  created?: boolean;
}

export interface VjpCase {
  name: string;
  inputs: Record<string, InputSpec>;
  forward: (g: Graph, x: Record<string, Value>, dtype: FloatDType) => Value;
  /** Default "float64": the oracle graph is built in double. */
  oracle?: FloatDType;
  /** Tolerance (see the header); defaults 1e-4 (float64 oracle) / 1e-3 (float32 oracle). */
  tol?: number;
  /** Elements sampled per input for elementwise differences (default 40). */
  samples?: number;
  /**
   * Scalar-loss mode: the graph under test reduces y to loss = scalarLoss * sum(y) (ReduceSum, Mul)
   * and calls grad WITHOUT a seed; the oracle computes the same sum from y in doubles (dy = scalarLoss),
   * so the float32 loss's own rounding (one ulp of L, ~2e-7) does not become FD noise.
   */
  scalarLoss?: number;
  /** Passed to grad (e.g. a deliberately wrong rule). */
  rules?: Readonly<Record<string, VjpRule>>;
}

export interface VjpReport {
  /** Worst error over every input, relative to its scale (see the header). */
  worst: number;
  tol: number;
  lines: string[];
  /** Nodes of the forward, and nodes grad added. */
  forwardNodes: number;
  backwardNodes: number;
  /** The forward + backward session under test and its feeds (to time a run). */
  feeds: Record<string, Tensor>;
  session: OnnxSession;
}

const isFloatSpec = (s: InputSpec) => (s.dtype ?? "float") === "float";

function hashName(name: string): number {
  let h = 2166136261;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

function tensorOf(spec: InputSpec, values: readonly number[], dt: FloatDType): Tensor {
  const dtype: DType = isFloatSpec(spec) ? dt : (spec.dtype as DType);
  return Tensor.fromValues(values, spec.shape, dtype);
}

function buildGraph(c: VjpCase, dt: FloatDType): { g: Graph; x: Record<string, Value>; y: Value } {
  const g = new Graph(`${c.name}_${dt}`.replace(/[^A-Za-z0-9_]/g, "_"));
  const x: Record<string, Value> = {};
  for (const [name, s] of Object.entries(c.inputs)) if (!s.created) x[name] = g.input(name, isFloatSpec(s) ? dt : (s.dtype as DType), s.shape);
  const y = c.forward(g, x, dt);
  for (const { value } of g.inputList()) x[value.name] ??= value; // inputs the forward declared
  for (const name of Object.keys(c.inputs)) expect(x[name], `input ${name} of ${c.name}`).toBeDefined();
  return { g, x, y };
}

/** Measure the case (no assertions): analytic f32 VJP vs finite differences of L = sum(y * dy). */
export async function measureVjp(c: VjpCase): Promise<VjpReport> {
  const rng = seededRng(hashName(c.name));
  const oracle = c.oracle ?? "float64";
  const tol = c.tol ?? (oracle === "float64" ? 1e-4 : 1e-3);
  const values: Record<string, number[]> = {};
  for (const [name, s] of Object.entries(c.inputs)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    values[name] = s.values ? [...s.values] : Array.from({ length: n }, () => (s.init ? s.init(rng) : normal(rng)));
  }
  const wrtNames = Object.keys(c.inputs).filter((k) => isFloatSpec(c.inputs[k]) && c.inputs[k].wrt !== false);

  // The graph under test: forward in float32 + grad with a random seed dy.
  const t = buildGraph(c, "float32");
  const yShape = [...inferShapes(t.g).shape(t.y)];
  const seed = c.scalarLoss === undefined ? t.g.input("seed_dy", "float32", yShape) : undefined;
  const before = t.g.nodeCount;
  const lossOf = (y: Value) => t.g.op("Mul", [t.g.op("ReduceSum", [y], { keepdims: 0 }), t.g.constant(c.scalarLoss!, "float32")]);
  const target = seed ? t.y : lossOf(t.y);
  const grads = grad(t.g, target, wrtNames.map((k) => t.x[k]), { seed, rules: c.rules });
  const backwardNodes = t.g.nodeCount - before;
  grads.forEach((d, i) => t.g.output(d, `grad_${wrtNames[i]}`));
  const all = inferShapes(t.g); // the backward nodes pass shape inference too
  grads.forEach((d, i) => expect([...all.shape(d)], `grad ${wrtNames[i]} shape`).toEqual(c.inputs[wrtNames[i]].shape));
  const dy = Array.from({ length: yShape.reduce((a, b) => a * b, 1) }, () => c.scalarLoss ?? normal(rng));
  const feeds: Record<string, Tensor> = seed ? { seed_dy: Tensor.fromValues(dy, yShape, "float32") } : {};
  for (const [name, s] of Object.entries(c.inputs)) feeds[name] = tensorOf(s, values[name], "float32");
  t.g.output(t.y, "y");
  const sessionUnderTest = await getSession(t.g);
  const out = await sessionUnderTest.run(feeds);
  const analytic: Record<string, Float32Array> = {};
  for (const k of wrtNames) {
    analytic[k] = out[`grad_${k}`].data as Float32Array;
    const bad = analytic[k].findIndex((v) => !Number.isFinite(v));
    expect(bad, `grad ${k} of ${c.name} has a non-finite element at ${bad}: ${analytic[k][bad]}`).toBe(-1);
  }

  // The oracle: the same forward, output y only, inputs mutated in place between runs.
  const o = buildGraph(c, oracle);
  o.g.output(o.y, "y");
  const session = await getSession(o.g);
  const ofeeds: Record<string, Tensor> = {};
  for (const [name, s] of Object.entries(c.inputs)) ofeeds[name] = tensorOf(s, values[name], oracle);
  const loss = async () => {
    const yv = (await session.run(ofeeds)).y.data as Float32Array | Float64Array;
    let L = 0;
    for (let i = 0; i < yv.length; i++) L += yv[i] * dy[i];
    return L;
  };
  /** D(h) along direction r of input k (r sparse: index list + weights). */
  const central = async (k: string, idx: readonly number[], w: readonly number[], h: number) => {
    const buf = ofeeds[k].data as Float32Array | Float64Array;
    const base = idx.map((i) => buf[i]);
    idx.forEach((i, j) => (buf[i] = base[j] + h * w[j]));
    const plus = await loss();
    idx.forEach((i, j) => (buf[i] = base[j] - h * w[j]));
    const minus = await loss();
    idx.forEach((i, j) => (buf[i] = base[j]));
    return (plus - minus) / (2 * h);
  };
  const fd = async (k: string, idx: readonly number[], w: readonly number[], h: number) =>
    oracle === "float64" ? central(k, idx, w, h) : (4 * (await central(k, idx, w, h / 2)) - (await central(k, idx, w, h))) / 3;

  let worst = 0;
  const lines: string[] = [];
  for (const k of wrtNames) {
    const a = analytic[k];
    const n = a.length;
    const picks = n <= (c.samples ?? 40) ? [...Array(n).keys()] : Array.from({ length: c.samples ?? 40 }, () => Math.floor(rng() * n));
    const numeric: number[] = [];
    for (const i of picks) numeric.push(await fd(k, [i], [1], oracle === "float64" ? 1e-5 : 2e-2));
    const scale = Math.max(...(oracle === "float64" ? numeric : Array.from(a)).map(Math.abs), 1e-6);
    let err = Math.max(...picks.map((i, j) => Math.abs(a[i] - numeric[j]))) / scale;
    let line = `${c.name} d${k}: elementwise maxdiff/scale ${err.toExponential(2)} (scale ${scale.toExponential(2)}, ${picks.length}/${n} elements, ${oracle} fd)`;
    if (oracle === "float32") {
      const norm = Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0)) || 1e-6;
      let proj = 0;
      for (let d = 0; d < 4; d++) {
        const r = Array.from({ length: n }, () => normal(rng));
        const want = r.reduce((s, v, i) => s + v * a[i], 0);
        proj = Math.max(proj, Math.abs((await fd(k, [...Array(n).keys()], r, 2e-2)) - want) / norm);
      }
      err = Math.max(err, proj);
      line += `; projections ${proj.toExponential(2)} of ||g|| ${norm.toExponential(2)}`;
    }
    worst = Math.max(worst, err);
    lines.push(line);
  }
  return { worst, tol, lines, backwardNodes, forwardNodes: before, feeds, session: sessionUnderTest };
}

/** measureVjp, then assert every error is within the case's tolerance. */
export async function expectVjp(c: VjpCase): Promise<VjpReport> {
  const r = await measureVjp(c);
  for (const l of r.lines) console.log(`vjp ${l}`);
  expect(r.worst, `${c.name}: worst error ${r.worst} > tol ${r.tol}\n${r.lines.join("\n")}`).toBeLessThanOrEqual(r.tol);
  return r;
}
