/**
 * matmul_nbits.test.ts — blockwise int8/int4 quantization and the MatMulNBits layout.
 * 1. Round-to-nearest: every dequantized weight is within scale/2 of the original (+1e-7).
 * 2. Layout: MatMulNBits with accuracy_level 0 (float compute) equals x @ dequantize(q)^T within
 *    1e-5, for 4 and 8 bits, K a multiple of the block (256) and not (200: a padded last block).
 *    A wrong nibble order, block order or zero-point packing fails this by O(0.1..1).
 * 3. accuracy_level 4 (int8 activations) stays within 5e-2 of it (x ~ N(0, 1), |W| ~ 0.05).
 */
import { describe, expect, it } from "vitest";
import { Graph, type QuantBits, createSession, dequantizeBlockwise, linear, onnxOps, maxAbsDiff, quantizeBlockwise, randNormal, seededRng } from "../src/index.ts";

const CASES = [4, 8].flatMap((bits) => [[24, 200], [40, 256]].map(([N, K]) => [bits as QuantBits, N, K] as const));

describe.each(CASES)("int%i MatMulNBits, N=%i K=%i, block 128", (bits, N, K) => {
  const rng = seededRng(bits * 1000 + K);
  const w = randNormal([N, K], rng, 0.05);
  const q = quantizeBlockwise(w.data as Float32Array, N, K, bits, 128);
  const deq = dequantizeBlockwise(q);

  it("rounds every weight to within half a step", () => {
    const blocks = Math.ceil(K / 128);
    const s = q.scales.data as Float32Array;
    const a = w.data as Float32Array;
    const b = deq.data as Float32Array;
    let worst = 0;
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) worst = Math.max(worst, Math.abs(a[n * K + k] - b[n * K + k]) / s[n * blocks + Math.floor(k / 128)]);
    console.log(`int${bits} K=${K}: worst rounding error ${worst.toFixed(3)} steps`);
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-4);
  });

  it.each([0, 4])("accuracy_level %i matches x @ dequantize(q)^T", async (level) => {
    const g = new Graph("nbits");
    const x = g.input("x", "float32", ["B", "T", K]);
    g.output(onnxOps.linear(g, x, { kind: "nbits", packed: g.initializer("p", q.packed), scales: g.initializer("s", q.scales), zeroPoints: g.initializer("z", q.zeroPoints), N, K, bits, blockSize: 128, accuracyLevel: level }), "y");
    const s = await createSession(g);
    const X = randNormal([2, 3, K], rng);
    const d = maxAbsDiff((await s.run({ x: X })).y, linear(X, deq));
    console.log(`int${bits} K=${K} accuracy_level ${level}: maxdiff vs dequantized ${d.toExponential(2)}`);
    expect(d).toBeLessThan(level === 0 ? 1e-5 : 5e-2);
    await s.dispose();
  });
});
