/**
 * dynamic_quantize_matmul.test.ts — per-channel int8 weights and com.microsoft DynamicQuantizeMatMul.
 * 1. Round-to-nearest: every dequantized weight is within s_n/2 of the original (+1e-4 steps), and
 *    the largest |w| of each channel maps to +-127.
 * 2. Layout, exactly: x made of integers 0..255 (0 and 255 present) quantizes with scale 1 and zero
 *    point 0, so the kernel must equal x @ dequantize(q)^T + b up to float rounding: max-abs < 1e-3
 *    (outputs reach ~|300|). A transposed [K, N] / [N, K] mix-up or a uint8/int8 misread fails by O(10).
 * 3. x ~ N(0, 1) (activations quantized with one scale per call) stays within 5e-2 of it (|W| ~ 0.05).
 */
import { describe, expect, it } from "vitest";
import { Graph, Tensor, createSession, dequantizePerChannelInt8, linear, onnxOps, maxAbsDiff, quantizePerChannelInt8, randNormal, seededRng } from "../src/index.ts";

describe.each([[24, 200], [40, 256]])("int8 per-channel DynamicQuantizeMatMul, N=%i K=%i", (N, K) => {
  const rng = seededRng(N * 1000 + K);
  const w = randNormal([N, K], rng, 0.05);
  const q = quantizePerChannelInt8(w.data as Float32Array, N, K);
  const deq = dequantizePerChannelInt8(q);
  const bias = randNormal([N], rng, 0.1);

  it("rounds every weight to within half a step; each channel's max maps to 127", () => {
    const s = q.scales.data as Float32Array;
    const a = w.data as Float32Array;
    const b = deq.data as Float32Array;
    const bytes = q.weight.data as Uint8Array;
    let worst = 0;
    for (let n = 0; n < N; n++) {
      let top = 0;
      for (let k = 0; k < K; k++) {
        worst = Math.max(worst, Math.abs(a[n * K + k] - b[n * K + k]) / s[n]);
        top = Math.max(top, Math.abs((bytes[k * N + n] << 24) >> 24));
      }
      expect(top).toBe(127);
    }
    console.log(`int8 per-channel K=${K}: worst rounding error ${worst.toFixed(3)} steps`);
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-4);
  });

  const session = async () => {
    const g = new Graph("dqmm");
    const x = g.input("x", "float32", ["B", "T", K]);
    g.output(onnxOps.linear(g, x, { kind: "int8", weight: g.initializer("w", q.weight, { int8: true }), scales: g.initializer("s", q.scales) }, g.initializer("b", bias)), "y");
    return createSession(g);
  };

  it("equals x @ dequantize(q)^T + b exactly when x needs no rounding", async () => {
    const xs = Float32Array.from({ length: 2 * 3 * K }, () => Math.floor(rng() * 256));
    xs[0] = 0;
    xs[1] = 255;
    const X = new Tensor("float32", [2, 3, K], xs);
    const s = await session();
    const d = maxAbsDiff((await s.run({ x: X })).y, linear(X, deq, bias));
    console.log(`int8 per-channel K=${K}: integer x, maxdiff vs dequantized ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-3);
    await s.dispose();
  });

  it("x ~ N(0, 1): within 5e-2 of x @ dequantize(q)^T + b", async () => {
    const X = randNormal([2, 3, K], rng);
    const s = await session();
    const d = maxAbsDiff((await s.run({ x: X })).y, linear(X, deq, bias));
    console.log(`int8 per-channel K=${K}: N(0,1) x, maxdiff vs dequantized ${d.toExponential(2)}`);
    expect(d).toBeLessThan(5e-2);
    await s.dispose();
  });
});
