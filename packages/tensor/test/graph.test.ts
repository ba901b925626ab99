/**
 * graph.test.ts — graphs built with `Graph` run in onnxruntime and compute the reference's numbers;
 * names, dtypes, attributes, signatures and external weights behave as documented.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  ArgumentError, DTypeError, Tensor, add, geluTanh, layerNorm, linear, maxAbsDiff, randNormal, scaledDotProductAttention, seededRng,
} from "../src/index.ts";
import { Graph, MS_DOMAIN, float } from "../src/onnx/graph.ts";
import * as G from "../src/onnx/ops/index.ts";
import { createSession, releaseAllSessions, runGraph } from "../src/onnx/session.ts";

afterAll(() => releaseAllSessions());

describe("Graph", () => {
  it("a linear layer with initializer weights runs in ORT and matches the reference (atol 1e-5)", async () => {
    const rng = seededRng(11);
    const W = randNormal([6, 8], rng);
    const b = randNormal([6], rng);
    const X = randNormal([2, 3, 8], rng);
    const g = new Graph("linear");
    const x = g.input("x", "float32", ["batch", "seq", 8]);
    g.output(G.linear(g, x, { kind: "float", weight: g.initializer("w", W) }, g.initializer("b", b)), "y");
    const { y } = await runGraph(g, { x: X });
    expect([...y.shape]).toEqual([2, 3, 6]);
    const d = maxAbsDiff(y, linear(X, W, b));
    console.log(`graph linear maxdiff=${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-5);
  });

  it("names are unique and readable; toString lists one node per line", () => {
    const g = new Graph("names");
    const x = g.input("x", "float32", [2]);
    const a = g.op("Relu", [x]);
    const b = g.op("Relu", [a]);
    const [c] = g.node("Add", [a, b], {}, { name: "sum" });
    expect(a.name).toBe("Relu");
    expect(b.name).not.toBe(a.name);
    expect(c.name).toBe("sum");
    g.output(c, "y");
    expect(c.name).toBe("y"); // a node output is renamed in place, no Identity node
    expect(g.nodeCount).toBe(3);
    expect(g.toString()).toContain(`y = Add(Relu, ${b.name})`);
    expect(() => g.input("x", "float32", [1])).toThrow(ArgumentError); // explicit names must be unique
  });

  it("outputting an input under another name adds an Identity node", async () => {
    const g = new Graph("identity");
    const x = g.input("x", "int64", [3]);
    const y = g.output(x, "y");
    expect(y.name).toBe("y");
    expect(g.nodeCount).toBe(1);
    const out = await runGraph(g, { x: new Tensor("int64", [3], new BigInt64Array([1n, -2n, 3n])) });
    expect([...(out.y.data as BigInt64Array)]).toEqual([1n, -2n, 3n]);
  });

  it("values carry dtypes: from inputs, fixed for Shape/Equal, `to` for Cast, or opts.dtype", () => {
    const g = new Graph("dtypes");
    const x = g.input("x", "float32", ["n"]);
    expect(g.op("Relu", [x]).dtype).toBe("float32");
    expect(g.op("Shape", [x]).dtype).toBe("int64");
    expect(g.op("Equal", [x, x]).dtype).toBe("bool");
    expect(g.op("Cast", [x], { to: 6 }).dtype).toBe("int32");
    expect(g.op("Custom", [x], {}, { dtype: "float16" }).dtype).toBe("float16");
    expect(g.constant([1, 2], "int64").dtype).toBe("int64");
  });

  it("attributes: plain non-integers are refused (write float(x)); float(x) is a FLOAT", async () => {
    const g = new Graph("attrs");
    const x = g.input("x", "float32", [4]);
    expect(() => g.op("LeakyRelu", [x], { alpha: 0.5 })).toThrow(/float\(0.5\)/);
    g.output(g.op("LeakyRelu", [x], { alpha: float(2) }), "y"); // an integer-valued FLOAT
    const { y } = await runGraph(g, { x: Tensor.from([-1, 0, 1, -3]) });
    expect(y.toArray()).toEqual([-2, 0, 1, -6]);
  });

  it("a com.microsoft op adds its opset import (FastGelu vs reference gelu_tanh, atol 1e-5)", async () => {
    const g = new Graph("ms");
    const x = g.input("x", "float32", ["n"]);
    g.output(g.op("FastGelu", [x], {}, { domain: MS_DOMAIN }), "y");
    const X = randNormal([64], seededRng(3), 3);
    const { y } = await runGraph(g, { x: X });
    expect(maxAbsDiff(y, geluTanh(X))).toBeLessThanOrEqual(1e-5);
  });

  it("attention builder also takes the 3-D layout q [B, T, H*D], k/v [B, T, Hkv*D] (atol 1e-5)", async () => {
    const [B, T, H, Hkv, D] = [2, 5, 4, 2, 8];
    const rng = seededRng(9);
    const q = randNormal([B, H, T, D], rng);
    const k = randNormal([B, Hkv, T, D], rng);
    const v = randNormal([B, Hkv, T, D], rng);
    const flat = (x: Tensor) => x.transpose(1, 2).reshape([B, T, -1]); // [B, H, T, D] -> [B, T, H*D]
    const g = new Graph("attention3d");
    const [qi, ki, vi] = ["q", "k", "v"].map((n, i) => g.input(n, "float32", ["B", "T", (i === 0 ? H : Hkv) * D]));
    g.output(G.attention(g, qi, ki, vi, null, { numHeads: H, numKvHeads: Hkv, softcap: 2 }), "y");
    const { y } = await runGraph(g, { q: flat(q), k: flat(k), v: flat(v) });
    expect(maxAbsDiff(y, flat(scaledDotProductAttention(q, k, v, null, { softcap: 2 })))).toBeLessThanOrEqual(1e-5);
    expect(() => G.attention(g, qi, ki, vi, null, { numHeads: 3, numKvHeads: 2 })).toThrow(ArgumentError);
  });

  it("a whole pre-LN encoder block (SigLIP style) fuses into one session and matches the reference ops (atol 1e-4)", async () => {
    const [B, T, D, H, F] = [2, 6, 32, 4, 64];
    const rng = seededRng(21);
    const p = (shape: number[]) => randNormal(shape, rng, 0.2);
    const w = { ln1w: p([D]), ln1b: p([D]), q: p([D, D]), qb: p([D]), k: p([D, D]), kb: p([D]), v: p([D, D]), vb: p([D]),
      o: p([D, D]), ob: p([D]), ln2w: p([D]), ln2b: p([D]), fc1: p([F, D]), fc1b: p([F]), fc2: p([D, F]), fc2b: p([D]) };
    const X = randNormal([B, T, D], rng);

    const g = new Graph("encoder_block");
    const W = Object.fromEntries(Object.entries(w).map(([k, t]) => [k, g.initializer(k, t)]));
    const x = g.input("x", "float32", ["B", "T", D]);
    const h = G.layerNorm(g, x, W.ln1w, W.ln1b, 1e-6); // [B, T, D]
    const [q, k, v] = (["q", "k", "v"] as const).map((n) => G.linear(g, h, { kind: "float", weight: W[n] }, W[`${n}b`])); // [B, T, H*Dh] each
    const a = G.attention(g, q, k, v, null, { numHeads: H, numKvHeads: H }); // [B, T, H*Dh]
    const x1 = g.op("Add", [x, G.linear(g, a, { kind: "float", weight: W.o }, W.ob)]); // residual
    const m = G.linear(g, G.geluTanh(g, G.linear(g, G.layerNorm(g, x1, W.ln2w, W.ln2b, 1e-6), { kind: "float", weight: W.fc1 }, W.fc1b)), { kind: "float", weight: W.fc2 }, W.fc2b);
    g.output(g.op("Add", [x1, m]), "y"); // [B, T, D]
    const { y } = await runGraph(g, { x: X });

    // The same block from the reference ops.
    const heads = (t: Tensor) => t.reshape([B, T, H, D / H]).transpose(1, 2); // [B, H, T, Dh]
    const hr = layerNorm(X, w.ln1w, w.ln1b, 1e-6);
    const ar = scaledDotProductAttention(heads(linear(hr, w.q, w.qb)), heads(linear(hr, w.k, w.kb)), heads(linear(hr, w.v, w.vb)), null);
    const x1r = add(X, linear(ar.transpose(1, 2).reshape([B, T, D]), w.o, w.ob));
    const yr = add(x1r, linear(geluTanh(linear(layerNorm(x1r, w.ln2w, w.ln2b, 1e-6), w.fc1, w.fc1b)), w.fc2, w.fc2b));
    const d = maxAbsDiff(y, yr);
    console.log(`fused encoder block maxdiff=${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-4);
  });

  it("signature: equal graphs share it; another weight or attribute changes it", () => {
    const build = (w: number[], axis: number) => {
      const g = new Graph("sig");
      const x = g.input("x", "float32", [2]);
      g.output(g.op("Softmax", [g.op("Mul", [x, g.initializer("w", Tensor.from(w))])], { axis }), "y");
      return g;
    };
    const s = build([1, 2], -1).signature();
    expect(s).toMatch(/^[0-9a-f]{64}$/);
    expect(build([1, 2], -1).signature()).toBe(s);
    expect(build([1, 3], -1).signature()).not.toBe(s);
    expect(build([1, 2], 0).signature()).not.toBe(s);
  });

  it("read-only views: nodeList (in order, live), inputList with dims, initializerInfo with data", () => {
    const g = new Graph("view");
    const x = g.input("x", "float32", ["batch", 4]);
    const shape = g.constant([0, 2, 2], "int64", "shape");
    const ext = g.externalInitializer("w", "float32", [4, 4], { location: "w.bin", offset: 0, length: 64 });
    const y = g.op("Reshape", [g.op("MatMul", [x, ext]), shape], {}, { name: "r" });
    const [n0, n1] = g.nodeList();
    expect([n0.opType, n1.opType, n1.name, n0.domain]).toEqual(["MatMul", "Reshape", "r", ""]);
    expect(n1.inputs).toEqual([n0.outputs[0], shape]);
    expect(n1.outputs).toEqual([y]);
    const ln = g.node("LayerNormalization", [y, null, null], { axis: -1, epsilon: float(1e-6) })[0];
    expect(g.nodeList().length).toBe(3); // live
    expect(g.nodeList()[2].attributes).toEqual([{ name: "axis", value: { type: "int", value: -1 } }, { name: "epsilon", value: { type: "float", value: 1e-6 } }]);
    expect(g.nodeList()[2].inputs).toEqual([y]); // trailing optional inputs are dropped
    expect(g.inputList()).toEqual([{ value: x, dims: ["batch", 4] }]);
    const info = g.initializerInfo(shape)!;
    expect([info.dtype, [...info.shape], [...(info.tensor!.data as BigInt64Array)]]).toEqual(["int64", [3], [0n, 2n, 2n]]);
    expect(g.initializerInfo(ext)).toEqual({ dtype: "float32", shape: [4, 4] }); // external: no data in memory
    expect(g.initializerInfo(x)).toBeUndefined();
    expect(g.initializerInfo(ln)).toBeUndefined();
  });

  it("a graph without outputs, or an output of unknown dtype, is refused with a named error", () => {
    const g = new Graph("empty");
    g.input("x", "float32", [1]);
    expect(() => g.toBytes()).toThrow(/no outputs/);
    const h = new Graph("untyped");
    h.output(h.op("RandomNormal", [], { shape: [2] })); // no inputs to take a dtype from
    expect(() => h.toBytes()).toThrow(DTypeError);
    const x = h.input("x", "float32", [1]);
    expect(() => new Graph("other").op("Relu", [x])).toThrow(ArgumentError); // values belong to one graph
  });
});

describe("Graph.externalInitializer", () => {
  const dir = mkdtempSync(join(tmpdir(), "pg-ext-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rng = seededRng(5);
  const W = randNormal([4, 8], rng);
  const X = randNormal([3, 8], rng);
  // A raw file with a header before the weights, like a .safetensors file: the weight starts at byte 37.
  const header = new Uint8Array(37).fill(0xab);
  const wBytes = new Uint8Array(W.data.buffer, W.data.byteOffset, W.byteLength);
  writeFileSync(join(dir, "weights.bin"), Buffer.concat([header, wBytes, new Uint8Array(13)]));

  const build = () => {
    const g = new Graph("external");
    const x = g.input("x", "float32", ["n", 8]);
    const w = g.externalInitializer("w", "float32", [4, 8], { location: "weights.bin", offset: 37, length: W.byteLength });
    g.output(G.linear(g, x, { kind: "float", weight: w }, null), "y");
    return g;
  };

  it.each([false, true])("reads the weight at an unaligned offset of a raw file (disablePrepacking=%s, atol 1e-5)", async (disablePrepacking) => {
    const { y } = await runGraph(build(), { x: X }, { externalDataFolder: dir, disablePrepacking });
    expect(maxAbsDiff(y, linear(X, W))).toBeLessThanOrEqual(1e-5);
  });

  it("refuses absolute or escaping locations and wrong lengths at build time", () => {
    const g = new Graph("bad");
    expect(() => g.externalInitializer("a", "float32", [2], { location: join(dir, "weights.bin"), offset: 0, length: 8 })).toThrow(/relative/);
    expect(() => g.externalInitializer("b", "float32", [2], { location: "../weights.bin", offset: 0, length: 8 })).toThrow(ArgumentError);
    expect(() => g.externalInitializer("c", "float32", [2], { location: "weights.bin", offset: 0, length: 4 })).toThrow(/needs 8/);
  });

  it("without the folder option ORT cannot find the file and the error names the graph", async () => {
    await expect(createSession(build())).rejects.toThrow(/graph external/);
  });

  it("bfloat16 initializers are stored (ORT has no bf16 MatMul on CPU, but Cast works)", async () => {
    const g = new Graph("bf16");
    const w = g.initializer("w", Tensor.fromValues([1.5, -2, 0.25], [3], "bfloat16"));
    const x = g.input("x", "float32", [3]);
    g.output(g.op("Add", [x, g.op("Cast", [w], { to: 1 })]), "y");
    const { y } = await runGraph(g, { x: Tensor.from([1, 1, 1]) });
    expect(y.toArray()).toEqual([2.5, -1, 1.25]);
  });
});
