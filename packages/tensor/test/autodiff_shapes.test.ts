/**
 * autodiff_shapes.test.ts — static shape inference (`inferShapes`) agrees with onnxruntime on every
 * value of graphs built with GraphOps (attention with a sliding window folds Shape -> Range), and
 * fails with a ShapeInferenceError naming the node when a shape is unknown or inconsistent.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  Graph, GraphOps, ShapeInferenceError, Tensor, TensorParams, getSession, inferShapes, randNormal, releaseAllSessions, seededRng,
} from "../src/index.ts";

afterAll(() => releaseAllSessions());

/** Mark every node output as a graph output, run, and compare ORT's shapes with inferShapes'. */
async function expectShapesMatchOrt(g: Graph, feeds: Record<string, Tensor>): Promise<number> {
  const info = inferShapes(g);
  const values = g.nodeList().flatMap((n) => n.outputs);
  const named = values.map((v, i) => [v, g.output(v, `probe_${i}`)] as const);
  const out = await (await getSession(g)).run(feeds);
  for (const [v, o] of named) expect([...out[o.name].shape], `shape of ${o.name} (${v.name})`).toEqual([...info.shape(v)]);
  return named.length;
}

describe("inferShapes", () => {
  it("a SigLIP-style embedding + attention with a window and a GQA attention: every value's shape matches ORT", async () => {
    const rng = seededRng(5);
    const D = 8;
    const params = new TensorParams({
      "patch.weight": randNormal([D, 3, 4, 4], rng), "patch.bias": randNormal([D], rng), "ln.weight": randNormal([D], rng), "ln.bias": randNormal([D], rng),
      "q.weight": randNormal([4 * 3, D], rng), "k.weight": randNormal([2 * 3, D], rng), "v.weight": randNormal([2 * 3, D], rng), "norm.weight": randNormal([4 * 3], rng),
      "embed": randNormal([11, D], rng),
    });
    const g = new Graph("shapes");
    const ops = new GraphOps(g, params);
    const pixels = g.input("pixels", "float32", [2, 3, 10, 9]); // 10 x 9 image, 4 x 4 patches: the last rows/cols are never read
    const ids = g.input("ids", "int64", [2, 3]);
    const mask = g.input("mask", "float32", [2, 1, 9, 9]);
    const cos = g.input("cos", "float32", [2, 9, 1]);
    const sin = g.input("sin", "float32", [2, 9, 1]);
    const img = ops.layerNorm(ops.patchEmbed(pixels, "patch.weight", "patch.bias", 4), "ln.weight", "ln.bias", 1e-6); // [2, 4, 8]
    const txt = ops.gather(ops.param("embed"), ids); // [2, 3, 8]
    const x = ops.slice(ops.concat([img, txt, ops.slice(txt, 1, 0, 2)], 1), 1, 0, 9); // [2, 9, 8]
    const q = ops.rope(ops.rmsNorm(ops.linear(x, { weight: "q.weight" }), "norm.weight", 1e-6), cos, sin, 4); // [2, 9, 12]
    const k = ops.rope(ops.linear(x, { weight: "k.weight" }), cos, sin, 2);
    const v = ops.linear(x, { weight: "v.weight" });
    const a = ops.attention(q, k, v, mask, { numHeads: 4, numKvHeads: 2, softcap: 5, window: 3 }); // [2, 9, 12]
    const h = ops.reshape(ops.transpose(ops.reshape(a, [2, 9, 4, 3]), [0, 2, 1, 3]), [0, 0, -1]); // [2, 4, 27]
    const l = ops.reduceMean(ops.logSoftmax(ops.softCap(ops.matmul(h, ops.transpose(h, [0, 2, 1])), 3)), [-1], true);
    g.output(ops.add(ops.logSigmoid(l), ops.sqrt(ops.exp(ops.reduceSum(l, [1, 2])))), "y");
    const feeds = {
      pixels: randNormal([2, 3, 10, 9], rng), ids: Tensor.fromValues([1, 5, 10, 0, 0, 3], [2, 3], "int64"), mask: Tensor.zeros([2, 1, 9, 9]),
      cos: randNormal([2, 9, 1], rng), sin: randNormal([2, 9, 1], rng),
    };
    const n = await expectShapesMatchOrt(g, feeds);
    expect(n).toBeGreaterThan(40);
  });

  it("folds shape arithmetic: Shape -> Gather -> Concat -> Reshape and Range from dims", () => {
    const g = new Graph("fold");
    const x = g.input("x", "float32", [2, 3, 4]);
    const s = g.op("Shape", [x]);
    const lead = g.op("Gather", [s, g.constant([0, 1], "int64")], { axis: 0 }); // [2, 3]
    const r = g.op("Reshape", [x, g.op("Concat", [lead, g.constant([-1], "int64")], { axis: 0 })]);
    const n = g.op("Range", [g.constant(0, "int64"), g.op("Squeeze", [g.op("Shape", [x], { start: -1 })]), g.constant(1, "int64")]);
    const info = inferShapes(g);
    expect(info.values(lead)).toEqual([2, 3]);
    expect(info.shape(r)).toEqual([2, 3, 4]);
    expect(info.values(n)).toEqual([0, 1, 2, 3]);
    expect(info.dtype(n)).toBe("int64");
  });

  it("symbolic dims need options.dims; errors name the node and the input", () => {
    const g = new Graph("errors");
    const x = g.input("x", "float32", ["batch", 3]);
    expect(() => inferShapes(g)).toThrow(/dim "batch" is symbolic/);
    expect(inferShapes(g, { dims: { batch: 5 } }).shape(x)).toEqual([5, 3]);

    const h = new Graph("bad");
    const a = h.input("a", "float32", [2, 3]);
    h.op("Add", [a, h.input("b", "float32", [4])], {}, { name: "sum" });
    const err = (() => {
      try {
        inferShapes(h);
      } catch (e) {
        return e as ShapeInferenceError;
      }
    })()!;
    expect(err).toBeInstanceOf(ShapeInferenceError);
    expect([err.node, err.opType]).toEqual(["sum", "Add"]);
    expect(err.message).toMatch(/cannot broadcast/);

    const k = new Graph("dynamic");
    const y = k.input("y", "float32", [6]);
    k.op("Reshape", [y, k.input("target", "int64", [2])], {}, { name: "reshape_from_data" });
    expect(() => inferShapes(k)).toThrow(/reshape_from_data \(Reshape\): input 1 \(target, the shape\) must be a constant/);

    const m = new Graph("unknown");
    m.op("Hardmax", [m.input("z", "float32", [2])], {}, { name: "hm" });
    expect(() => inferShapes(m)).toThrow(/hm \(Hardmax\): no shape rule/);
  });
});

