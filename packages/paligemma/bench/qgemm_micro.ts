/**
 * qgemm_micro.ts — the linear-layer kernels at Gemma 2B's MLP shapes, same process, same weights.
 *
 * Teaches: which onnxruntime CPU kernel to use for a quantized linear layer depends on M (rows):
 *   f32 MatMul (prepacked), MatMulNBits int4/int8 (block 128, accuracy_level 4: weight-only),
 *   DynamicQuantizeMatMul with per-channel int8 weights (s8: AVX512-VNNI integer GEMM) and with
 *   uint8 weights (u8, zero point 128: no VNNI path). GFLOP/s = 2 M K N / best time.
 * Usage: npx tsx packages/paligemma/bench/qgemm_micro.ts [M]   (default 276: a PaliGemma prefill; 1: decode)
 * Also prints the s8 kernel's max-abs difference from the f32 product (random weights |w| <= 0.02).
 *
 * Reference: packages/tensor/src/onnx/{matmul_nbits,dynamic_quantize_matmul}.ts; bench/README.md (numbers).
 */
import { Graph, MS_DOMAIN, type OnnxSession, Tensor, createSession, quantizeBlockwise, seededRng } from "@paligemma-ts/tensor";

const M = Number(process.argv[2] ?? 276);
function rnd(n: number, seed: number, s = 0.04) { const r = seededRng(seed); const d = new Float32Array(n); for (let i = 0; i < n; i++) d[i] = (r() - 0.5) * s; return d; }
async function time(s: OnnxSession, x: Tensor, runs: number) {
  await s.run({ x });
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) { const t = performance.now(); await s.run({ x }); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b); return { best: ts[0], med: ts[ts.length >> 1] };
}
for (const [K, N] of [[2048, 16384], [16384, 2048]]) {
  const wNK = rnd(N * K, 1); // [N, K]
  const wKN = new Float32Array(K * N); for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) wKN[k * N + n] = wNK[n * K + k];
  const x = new Tensor("float32", [M, K], rnd(M * K, 2, 2));
  const flops = 2 * M * K * N;
  const res: Record<string, string> = {};
  const report = (name: string, t: { best: number; med: number }) => { res[name] = `${t.med.toFixed(1)} ms (best ${t.best.toFixed(1)}, ${(flops / t.best / 1e6).toFixed(0)} GFLOP/s)`; console.log(`[${M},${K}]x[${K},${N}] ${name}: ${res[name]}`); };
  const runs = M === 1 ? 30 : 4;
  { // f32 MatMul prepacked
    const g = new Graph("f32"); const xi = g.input("x", "float32", ["M", K]);
    g.output(g.op("MatMul", [xi, g.initializer("w", new Tensor("float32", [K, N], wKN))]), "y");
    const s = await createSession(g, { memoryArena: false }); report("f32 MatMul", await time(s, x, runs)); await s.dispose();
  }
  for (const bits of [4, 8] as const) for (const acc of [4]) {
    const q = quantizeBlockwise(wNK, N, K, bits, 128);
    const g = new Graph("nbits"); const xi = g.input("x", "float32", ["M", K]);
    g.output(g.op("MatMulNBits", [xi, g.initializer("p", q.packed), g.initializer("s", q.scales), g.initializer("z", q.zeroPoints)], { K, N, bits, block_size: 128, accuracy_level: acc }, { domain: MS_DOMAIN, dtype: "float32" }), "y");
    const s = await createSession(g, { memoryArena: false }); report(`MatMulNBits int${bits} acc${acc}`, await time(s, x, runs)); await s.dispose();
  }
  // per-column int8 (symmetric) / uint8 (zp 128) weights [K, N]
  const scale = new Float32Array(N);
  for (let n = 0; n < N; n++) { let m = 0; for (let k = 0; k < K; k++) m = Math.max(m, Math.abs(wNK[n * K + k])); scale[n] = m / 127 || 1; }
  const q8 = new Uint8Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) q8[k * N + n] = (Math.round(wKN[k * N + n] / scale[n]) + 256) & 255; // int8 two's complement
  for (const signed of [true, false]) {
    const data = signed ? q8 : q8.map((v) => ((v << 24) >> 24) + 128);
    const g = new Graph("dqmm"); const xi = g.input("x", "float32", ["M", K]);
    const w = g.initializer("w", new Tensor("uint8", [K, N], data), { int8: signed });
    const zp = g.initializer("zp", new Tensor("uint8", [N], new Uint8Array(N).fill(signed ? 0 : 128)), { int8: signed });
    g.output(g.op("DynamicQuantizeMatMul", [xi, w, g.initializer("sc", new Tensor("float32", [N], scale)), zp], {}, { domain: MS_DOMAIN, dtype: "float32" }), "y");
    const s = await createSession(g, { memoryArena: false }); report(`DynamicQuantizeMatMul ${signed ? "s8" : "u8"} per-col`, await time(s, x, runs));
    if (signed) { // accuracy vs f32
      const y = (await s.run({ x })).y.data as Float32Array;
      const g2 = new Graph("ref"); const x2 = g2.input("x", "float32", ["M", K]); g2.output(g2.op("MatMul", [x2, g2.initializer("w", new Tensor("float32", [K, N], wKN))]), "y");
      const s2 = await createSession(g2); const yr = (await s2.run({ x })).y.data as Float32Array; await s2.dispose();
      let md = 0, mr = 0; for (let i = 0; i < y.length; i++) { md = Math.max(md, Math.abs(y[i] - yr[i])); mr = Math.max(mr, Math.abs(yr[i])); }
      console.log(`  s8 maxdiff ${md.toExponential(2)} (max |y| ${mr.toFixed(2)})`);
    }
    await s.dispose();
  }
}
