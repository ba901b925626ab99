import { describe, expect, it } from "vitest";
import { ArgumentError, EagerOps, GradientError, type Ops, TapeOps, Tensor, matmul, randNormal, randUniform, seededRng } from "../src/index.ts";
import { expectClose } from "./expect_close.ts";
import { GRAD_TOL, expectGrad } from "./grad_expect.ts";

type Fn = (ops: Ops<Tensor>, xs: Tensor[]) => Tensor;

/**
 * Check TapeOps on `fn` against finite differences of the same `fn` on EagerOps: the analytic side
 * is tape.backward(y, { seed: R }) (inputs and every named weight), the numeric side perturbs the
 * inputs and the weights. Also: TapeOps' forward equals EagerOps' bit for bit.
 */
function checkTape(label: string, fn: Fn, inputs: Tensor[], weights: Record<string, Tensor> = {}, tol = GRAD_TOL): void {
  const names = Object.keys(weights);
  const n = inputs.length;
  const getter = (xs: Tensor[]) => (name: string) => {
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`no weight ${name}`);
    return xs[n + i];
  };
  const all = [...inputs, ...names.map((k) => weights[k])];
  const eagerY = fn(new EagerOps(getter(all)), inputs);
  const tapeY = fn(new TapeOps(getter(all)), inputs);
  expect(tapeY.toArray(), `${label}: TapeOps forward = EagerOps forward`).toEqual(eagerY.toArray());
  expectGrad(`TapeOps ${label}`, (xs) => fn(new EagerOps(getter(xs)), xs.slice(0, n)), (xs, g) => {
    const tape = new TapeOps(getter(xs));
    const ins = xs.slice(0, n);
    const grads = tape.backward(fn(tape, ins), { seed: g, inputs: ins });
    return [...grads.inputs, ...names.map((k) => grads.params.get(k) ?? null)];
  }, all, tol);
}

const rng = seededRng(99);
const r = (shape: number[], std = 1) => randNormal(shape, rng, std);

describe("TapeOps: every Ops method matches finite differences", () => {
  it("linear (with and without bias) and param", () => {
    checkTape("linear", (ops, [x]) => ops.add(ops.linear(x, { weight: "w", bias: "b" }), ops.linear(x, { weight: "w2" })), [r([2, 3, 4])], { w: r([5, 4]), b: r([5]), w2: r([5, 4]) });
    checkTape("param", (ops, [x]) => ops.mul(ops.param("p"), x), [r([3, 2])], { p: r([2]) });
  });
  it("matmul with broadcast batch axes", () => {
    checkTape("matmul", (ops, [a, b]) => ops.matmul(a, b), [r([2, 1, 3, 4]), r([3, 4, 2])]);
  });
  it("add, sub, mul, div: broadcast tensors and plain numbers", () => {
    const b = randUniform([4], rng, 0.5, 2);
    checkTape("add/sub", (ops, [x, y]) => ops.sub(ops.add(x, y), ops.add(ops.sub(ops.mul(y, 3), 2), 1.5)), [r([3, 4]), r([1, 4])]);
    checkTape("mul/div", (ops, [x, y]) => ops.div(ops.mul(ops.mul(x, y), 3), ops.div(ops.add(y, 1), 0.5)), [r([3, 4]), b]);
  });
  it("relu (inputs kept away from the kink); conv2d / convTranspose2d refuse with a GradientError", () => {
    const x = Tensor.from(r([2, 5], 3).toFloat32().map((v) => (Math.abs(v) < 0.05 ? v + 0.2 : v)), [2, 5]);
    checkTape("relu", (ops, [xx]) => ops.mul(ops.relu(xx), xx), [x]);
    const w = r([1, 1, 1, 1]);
    const tape = new TapeOps(() => w);
    expect(() => tape.conv2d(r([1, 1, 2, 2]), "w", null)).toThrow(GradientError);
    expect(() => tape.convTranspose2d(r([1, 1, 2, 2]), "w", null)).toThrow(/transposed convolution/);
  });
  it("exp, sqrt, logSigmoid, geluTanh, softCap", () => {
    checkTape("exp/sqrt", (ops, [x]) => ops.sqrt(ops.exp(x)), [r([2, 5])]);
    checkTape("logSigmoid/gelu/softCap", (ops, [x]) => ops.softCap(ops.add(ops.logSigmoid(x), ops.geluTanh(x)), 2), [r([2, 5], 3)]);
  });
  it("rmsNorm (1 + w, w, no weight) and layerNorm (weight, bias, neither)", () => {
    const x = r([2, 3, 6]);
    checkTape("rmsNorm", (ops, [xx]) => ops.add(ops.rmsNorm(xx, "g", 1e-6), ops.mul(ops.rmsNorm(xx, "h", 1e-5, { unitOffset: false }), ops.rmsNorm(xx, null, 1e-6))), [x], { g: r([6], 0.3), h: r([6]) });
    checkTape("layerNorm", (ops, [xx]) => ops.mul(ops.layerNorm(xx, "w", "b", 1e-5), ops.layerNorm(xx, null, null, 1e-5)), [x], { w: r([6]), b: r([6]) });
  });
  it("softmax, logSoftmax along other axes; reduceSum, reduceMean with and without keepDims", () => {
    checkTape("softmax/logSoftmax", (ops, [x]) => ops.mul(ops.softmax(x, 1), ops.logSoftmax(x, -1)), [r([2, 3, 4])]);
    checkTape("reduce", (ops, [x]) => ops.add(ops.reduceSum(x, [1], true), ops.reduceMean(ops.reduceSum(x, [0, 2]), [0])), [r([2, 3, 4])]);
  });
  it("attention: GQA, causal mask with a blocked row, soft-cap, window, head dim != hidden / heads", () => {
    const [B, T, H, Hkv, D] = [2, 4, 4, 2, 3];
    const m = new Float32Array(B * T * T);
    for (let b = 0; b < B; b++) for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[(b * T + i) * T + j] = -Infinity;
    m.fill(-Infinity, 0, T); // batch row 0, query 0 sees nothing
    const mask = new Tensor("float32", [B, 1, T, T], m);
    for (const o of [{}, { softcap: 1.5, window: 2, scale: 0.7 }]) {
      checkTape(`attention ${JSON.stringify(o)}`, (ops, [q, k, v]) => ops.attention(q, k, v, ops.constant(mask), { numHeads: H, numKvHeads: Hkv, ...o }), [r([B, T, H * D]), r([B, T, Hkv * D]), r([B, T, Hkv * D])]);
    }
  });
  it("rope (tables are constants), patchEmbed (weight and bias)", () => {
    const angles = randUniform([1, 3, 2], rng, -3, 3).toArray();
    const cos = Tensor.from(angles.map(Math.cos), [1, 3, 2]);
    const sin = Tensor.from(angles.map(Math.sin), [1, 3, 2]);
    checkTape("rope", (ops, [x]) => ops.rope(x, cos, sin, 2), [r([1, 3, 8])]);
    checkTape("patchEmbed", (ops, [px]) => ops.patchEmbed(px, "pw", "pb", 2), [r([2, 3, 4, 4])], { pw: r([5, 3, 2, 2], 0.5), pb: r([5]) });
  });
  it("reshape (0 and -1), transpose, concat, slice (negative axis, start, end), gather", () => {
    checkTape("reshape/transpose", (ops, [x]) => ops.transpose(ops.reshape(x, [0, -1, 2]), [2, 0, 1]), [r([2, 3, 4])]);
    checkTape("concat", (ops, [a, b]) => ops.concat([a, ops.mul(b, 2), a], 1), [r([2, 1, 3]), r([2, 4, 3])]);
    checkTape("slice", (ops, [x]) => ops.add(ops.slice(x, 1, 1, 3), ops.slice(x, -2, -3, -1)), [r([2, 4, 4])]);
    const ids = new Tensor("int32", [2, 3], Int32Array.from([0, 3, 3, 1, 3, 0]));
    checkTape("gather", (ops, [t]) => ops.gather(t, ids), [r([5, 2, 3])]);
  });
});

describe("TapeOps: the tape", () => {
  const get = (w: Record<string, Tensor>) => (n: string) => w[n];
  it("a value used twice gets the sum: d(x * x)/dx = 2x", () => {
    const x = Tensor.from([1, -2, 3]);
    const tape = new TapeOps(get({}));
    const g = tape.backward(tape.reduceSum(tape.mul(x, x), [0]), { inputs: [x] });
    expect(g.inputs[0].toArray()).toEqual([2, -4, 6]);
  });
  it("a tied weight sums its uses: gather table + linear weight = the sum of two untied weights' gradients", () => {
    const E = r([6, 4]);
    const ids = new Tensor("int32", [1, 3], Int32Array.from([5, 1, 5]));
    const model = (ops: Ops<Tensor>, tableName: string, headName: string) => ops.reduceSum(ops.logSoftmax(ops.linear(ops.gather(ops.param(tableName), ids), { weight: headName })), [0, 1, 2]);
    const tied = new TapeOps(get({ E }));
    const gt = tied.backward(model(tied, "E", "E")).params;
    const untied = new TapeOps(get({ A: E, B: E }));
    const gu = untied.backward(model(untied, "A", "B")).params;
    expect([...gt.keys()]).toEqual(["E"]);
    expectClose(gt.get("E")!, Tensor.from(gu.get("A")!.toArray().map((v, i) => v + gu.get("B")!.toArray()[i]), [6, 4]), 1e-6, "tied = sum");
  });
  it("constant() stops the gradient; unused weights and unreachable inputs get zeros; intermediates can be asked for", () => {
    const x = r([2, 3]);
    const w = r([3, 3]);
    const tape = new TapeOps(get({ w, unused: r([2]) }));
    const h = tape.linear(x, { weight: "w" });
    tape.param("unused");
    const y = tape.reduceSum(tape.mul(h, tape.constant(x)), [0, 1]); // y = sum(h * x) with the second x frozen
    const g = tape.backward(y, { inputs: [x, h, Tensor.zeros([4])] });
    expectClose(g.inputs[1], x, 0, "dy/dh = the constant");
    expectClose(g.inputs[0], matmul(x, w), 1e-6, "dy/dx = (dy/dh) W only, nothing through the constant");
    expect(g.params.get("unused")!.toArray()).toEqual([0, 0]);
    expect(g.inputs[2].toArray()).toEqual([0, 0, 0, 0]);
  });
  it("backward needs a seed for a non-scalar loss, a seed of the loss's shape, and a loss from this tape", () => {
    const tape = new TapeOps(get({}));
    const y = tape.exp(Tensor.from([1, 2]));
    expect(() => tape.backward(y)).toThrow(/seed/);
    expect(() => tape.backward(y, { seed: Tensor.zeros([3]) })).toThrow(ArgumentError);
    expect(() => tape.backward(Tensor.from([1]))).toThrow(/not computed by this TapeOps/);
    expect(tape.length).toBe(1);
    tape.reset();
    expect(tape.length).toBe(0);
    expect(() => tape.backward(y, { seed: Tensor.zeros([2]) })).toThrow(ArgumentError);
  });
});
