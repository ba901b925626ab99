/**
 * machine_limits.ts — what this machine's CPU can do through onnxruntime, measured in the same run.
 *
 * Teaches: a model benchmark means little without the ceilings it runs against. Two MatMuls at
 * Gemma 2B's MLP shape bound the two phases of generation:
 *   compute-bound  [256, 2048] x [2048, 16384]   2*M*K*N FLOPs -> GFLOP/s   (prefill, vision)
 *   memory-bound   [1, 2048]   x [2048, 16384]   K*N*4 bytes of weight -> GB/s (decode: every weight
 *                                                read once per token)
 * The weight is an initializer (prepacked, as in the model's sessions). We report the best and the
 * median of several runs: on a shared machine the best is the ceiling, the median what you get.
 *
 * Quantized decode runs other kernels, so it has other ceilings (quantizedLimits): the exact M=1 kernels
 * the decoder uses, at both MLP shapes [1, 2048] x [2048, 16384] and [1, 16384] x [16384, 2048],
 * random weights (the values do not change the work):
 *   int8-dqmm   DynamicQuantizeMatMul, per-channel s8 weight [K, N]     1 byte per weight
 *   int4-nbits  MatMulNBits bits 4, block 128, accuracy_level 4         0.5 + 4.5/128 bytes (scale + zp)
 *   int8-nbits  MatMulNBits bits 8, block 128, accuracy_level 4         1 + 5/128 bytes
 * weight GB/s = weight bytes / time. A kind's ceiling is both shapes' bytes over both shapes' times.
 * This machine reports a 260 MiB L3: one 17-34 MB weight run again and again would be served from cache,
 * so each graph holds `copies` distinct weights (>= 512 MB in all, like the decoder's 18 layers) applied
 * to the same x in one run, and one kernel's time is the run's time / copies.
 *
 * Reference: DESIGN.md section 4 (40-53 GB/s and 170-195 GFLOP/s measured on an idle machine);
 * packages/tensor/src/onnx/{dynamic_quantize_matmul,matmul_nbits}.ts; qgemm_micro.ts.
 * Leaves out: the LM head's own shape [1, 2048] x [2048, 257216] (its kind's ceiling is used for it).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Graph, MS_DOMAIN, type OnnxSession, Tensor, createSession, seededRng } from "@paligemma-ts/tensor";

export interface Ceiling {
  bestMs: number;
  medianMs: number;
  /** GFLOP/s (compute) or GB/s (memory) at the best time. */
  best: number;
  median: number;
}

async function timeRuns(s: OnnxSession, x: Tensor, warmup: number, runs: number): Promise<{ best: number; median: number }> {
  for (let i = 0; i < warmup; i++) await s.run({ x });
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await s.run({ x });
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return { best: ts[0], median: ts[ts.length >> 1] };
}

function randomTensor(shape: number[], seed: number): Tensor {
  const rng = seededRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = (rng() - 0.5) * 0.07;
  return new Tensor("float32", shape, d);
}

/** Measure both ceilings with a [K, N] weight (default Gemma 2B's MLP, 128 MiB). */
export async function machineLimits(K = 2048, N = 16384, threads?: number): Promise<{ compute: Ceiling; memory: Ceiling; shape: string }> {
  const g = new Graph("machine_limit_matmul");
  const x = g.input("x", "float32", ["M", K]);
  g.output(g.op("MatMul", [x, g.initializer("w", randomTensor([K, N], 1))]), "y"); // [M, N]
  const s = await createSession(g, { threads });
  try {
    const big = await timeRuns(s, randomTensor([256, K], 2), 2, 6);
    const one = await timeRuns(s, randomTensor([1, K], 3), 10, 60);
    const flops = 2 * 256 * K * N;
    const bytes = K * N * 4;
    return {
      shape: `[256|1, ${K}] x [${K}, ${N}]`,
      compute: { bestMs: big.best, medianMs: big.median, best: flops / big.best / 1e6, median: flops / big.median / 1e6 },
      memory: { bestMs: one.best, medianMs: one.median, best: bytes / one.best / 1e6, median: bytes / one.median / 1e6 },
    };
  } finally {
    await s.dispose();
  }
}

/** The float32 MatMul ceiling at one shape [M, K] x [K, N] (weight an initializer): GFLOP/s at the best and median run. */
export async function matmulCeiling(M: number, K: number, N: number, threads?: number, runs = 8): Promise<Ceiling> {
  const g = new Graph("matmul_ceiling");
  const x = g.input("x", "float32", [M, K]);
  g.output(g.op("MatMul", [x, g.initializer("w", randomTensor([K, N], 4))]), "y"); // [M, N]
  const s = await createSession(g, { threads });
  try {
    const t = await timeRuns(s, randomTensor([M, K], 5), 2, runs);
    const flops = 2 * M * K * N;
    return { bestMs: t.best, medianMs: t.median, best: flops / t.best / 1e6, median: flops / t.median / 1e6 };
  } finally {
    await s.dispose();
  }
}

/** A quantized linear kernel as the decoder runs it at M=1. */
export type QuantKind = "int8-dqmm" | "int4-nbits" | "int8-nbits";

/** Bytes of weight (with scales and zero points) each kind reads per weight element. */
export const QUANT_BYTES_PER_WEIGHT: Record<QuantKind, number> = { "int8-dqmm": 1, "int4-nbits": 0.5 + 4.5 / 128, "int8-nbits": 1 + 5 / 128 };

export interface QuantCeiling {
  /** Per shape: "[1, K] x [K, N]" -> ceiling in weight GB/s. */
  shapes: Record<string, Ceiling>;
  /** Both shapes together: bytes of both / best (median) times of both, GB/s. */
  best: number;
  median: number;
}

function randomBytes(n: number, seed: number, mask = 255): Uint8Array {
  const rng = seededRng(seed);
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = (rng() * 256) & mask;
  return d;
}

/** One session holding `copies` of the kind's kernel, each with its own random [K, N] weight initializer. */
function quantGraph(kind: QuantKind, K: number, N: number, copies: number): Graph {
  const g = new Graph(`machine_limit_${kind}`);
  const x = g.input("x", "float32", [1, K]);
  const bits = kind === "int4-nbits" ? 4 : 8;
  const blocks = Math.ceil(K / 128);
  const blob = (128 * bits) / 8;
  const zpRow = bits === 8 ? blocks : Math.ceil(blocks / 2);
  const zps = randomBytes(N * zpRow, 13);
  for (let c = 0; c < copies; c++) {
    // Every copy gets its own bytes: with one shared array the copies ran ~2x faster (0.74 vs 1.21 ms
    // for int8 [1,2048]x[2048,16384]), reading from cache instead of DRAM, and the ceiling was too high.
    const data = kind === "int8-dqmm" ? randomBytes(K * N, 11 + 2 * c) : randomBytes(N * blocks * blob, 12 + 2 * c);
    if (kind === "int8-dqmm") {
      const w = g.initializer(`w${c}`, new Tensor("uint8", [K, N], data), { int8: true });
      const sc = g.initializer(`sc${c}`, new Tensor("float32", [N], new Float32Array(N).fill(0.02 / 127)));
      const zp = g.initializer(`zp${c}`, new Tensor("uint8", [N], new Uint8Array(N)), { int8: true });
      g.output(g.op("DynamicQuantizeMatMul", [x, w, sc, zp], {}, { domain: MS_DOMAIN, dtype: "float32" }), `y${c}`); // [1, N]
    } else {
      const p = g.initializer(`p${c}`, new Tensor("uint8", [N, blocks, blob], data));
      const s = g.initializer(`s${c}`, new Tensor("float32", [N * blocks], new Float32Array(N * blocks).fill(0.003)));
      const z = g.initializer(`z${c}`, new Tensor("uint8", [N * zpRow], zps));
      g.output(g.op("MatMulNBits", [x, p, s, z], { K, N, bits, block_size: 128, accuracy_level: 4 }, { domain: MS_DOMAIN, dtype: "float32" }), `y${c}`); // [1, N]
    }
  }
  return g;
}

/** Same-run M=1 ceilings of the quantized kernels decode uses, at Gemma 2B's two MLP shapes. */
export async function quantizedLimits(kinds: QuantKind[], H = 2048, I = 16384, threads?: number): Promise<Partial<Record<QuantKind, QuantCeiling>>> {
  const out: Partial<Record<QuantKind, QuantCeiling>> = {};
  for (const kind of kinds) {
    const shapes: Record<string, Ceiling> = {};
    let bytesAll = 0;
    let bestAll = 0;
    let medianAll = 0;
    for (const [K, N] of [[H, I], [I, H]]) {
      const one = K * N * QUANT_BYTES_PER_WEIGHT[kind];
      const copies = Math.ceil(512e6 / one);
      const s = await createSession(quantGraph(kind, K, N, copies), { threads, memoryArena: false });
      try {
        const r = await timeRuns(s, randomTensor([1, K], 3), 3, 15);
        const t = { best: r.best / copies, median: r.median / copies }; // one kernel's share of a run
        const bytes = one;
        shapes[`[1, ${K}] x [${K}, ${N}]`] = { bestMs: t.best, medianMs: t.median, best: bytes / t.best / 1e6, median: bytes / t.median / 1e6 };
        bytesAll += bytes;
        bestAll += t.best;
        medianAll += t.median;
      } finally {
        await s.dispose();
      }
    }
    out[kind] = { shapes, best: bytesAll / bestAll / 1e6, median: bytesAll / medianAll / 1e6 };
  }
  return out;
}

/**
 * Same-run ceilings of a start (bench --fresh-cache):
 *   read     the pool's workers reading (and crc32-ing, ~ a memory pass) `bytes` of the checkpoint,
 *            the least a conversion that reads every byte can take: GB/s
 *   prepack  creating sessions whose one linear is quantized as the model's (DynamicQuantizeMatMul s8
 *            [2048 -> 16384], MatMulNBits int4 block 128), weights as external data in a file as the
 *            cache's are: ORT maps and repacks them on the main thread, single-threaded, which bounds a
 *            cached start: MB of weight per second
 */
export async function startLimits(files: readonly { file: string; offset: number; length: number }[], threads?: number): Promise<{ readGBs: number; prepackMBs: Record<"int8-dqmm" | "int4-nbits", number> }> {
  const { ConvertPool } = await import("@paligemma-ts/tensor");
  const pool = new ConvertPool();
  let t = performance.now();
  const bytes = files.reduce((a, f) => a + f.length, 0);
  try {
    await Promise.all(files.map((f) => pool.run({ kind: "crc", ...f })));
  } finally {
    await pool.close();
  }
  const readGBs = bytes / (performance.now() - t) / 1e6;
  const prepackMBs = {} as Record<"int8-dqmm" | "int4-nbits", number>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prepack-limit-"));
  try {
    for (const kind of ["int8-dqmm", "int4-nbits"] as const) {
      const [K, N, copies] = [2048, 16384, 4];
      const blocks = K / 128;
      const sizes = kind === "int8-dqmm" ? { w: K * N, s: N * 4 } : { w: N * blocks * 64, s: N * blocks * 4, z: N * (blocks / 2) };
      const graphs: Graph[] = [];
      for (let c = 0; c < copies; c++) {
        const file = `w${kind}${c}.bin`;
        fs.writeFileSync(path.join(dir, file), randomBytes(Object.values(sizes).reduce((a, b) => a + b, 0), 40 + c, kind === "int8-dqmm" ? 255 : 127));
        const g = new Graph(`prepack_limit_${kind}_${c}`);
        const x = g.input("x", "float32", ["M", K]);
        const at = (o: number, n: number) => ({ location: file, offset: o, length: n });
        if (kind === "int8-dqmm") {
          const w = g.externalInitializer("w", "uint8", [K, N], at(0, sizes.w), { int8: true });
          g.output(g.op("DynamicQuantizeMatMul", [x, w, g.externalInitializer("s", "float32", [N], at(sizes.w, sizes.s))], {}, { domain: MS_DOMAIN, dtype: "float32" }), "y");
        } else {
          const p = g.externalInitializer("p", "uint8", [N, blocks, 64], at(0, sizes.w));
          const sc = g.externalInitializer("s", "float32", [N * blocks], at(sizes.w, sizes.s));
          const z = g.externalInitializer("z", "uint8", [N * (blocks / 2)], at(sizes.w + sizes.s, sizes.z!));
          g.output(g.op("MatMulNBits", [x, p, sc, z], { K, N, bits: 4, block_size: 128, accuracy_level: 4 }, { domain: MS_DOMAIN, dtype: "float32" }), "y");
        }
        graphs.push(g);
      }
      t = performance.now();
      const ss: OnnxSession[] = [];
      for (const g of graphs) ss.push(await createSession(g, { threads, memoryArena: false, externalDataFolder: dir }));
      prepackMBs[kind] = (copies * K * N * QUANT_BYTES_PER_WEIGHT[kind]) / (performance.now() - t) / 1e3;
      for (const s of ss) await s.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { readGBs, prepackMBs };
}

/**
 * Same-run compute ceilings of a prefill's two kinds of work: the int8 GEMM (DynamicQuantizeMatMul s8
 * [256, 2048] x [2048, 16384], the int8 plan's linears) and the attention op itself (opset 23
 * Attention, random q/k/v, at the vision shape [N tokens, H heads, D] and the decoder's [T, H/Hkv, D]
 * with an additive mask): GFLOP/s of 2*M*K*N and 4*Tq*Tk*H*D.
 */
export async function prefillLimits(vision: { N: number; H: number; D: number }, text: { T: number; H: number; Hkv: number; D: number }, threads?: number): Promise<{ int8Gflops: number; visionAttnGflops: number; textAttnGflops: number }> {
  const [M, K, N] = [256, 2048, 16384];
  const g = new Graph("prefill_limit_int8");
  const x = g.input("x", "float32", [M, K]);
  const w = g.initializer("w", new Tensor("uint8", [K, N], randomBytes(K * N, 21)), { int8: true });
  g.output(g.op("DynamicQuantizeMatMul", [x, w, g.initializer("s", new Tensor("float32", [N], new Float32Array(N).fill(1e-4)))], {}, { domain: MS_DOMAIN, dtype: "float32" }), "y");
  const s = await createSession(g, { threads, memoryArena: false });
  const r = await timeRuns(s, randomTensor([M, K], 22), 2, 5);
  await s.dispose();
  const attn = async (T: number, H: number, Hkv: number, D: number, masked: boolean) => {
    const a = new Graph(`attention_limit_${T}_${H}_${D}`);
    const q = a.input("q", "float32", [1, T, H * D]);
    const k = a.input("k", "float32", [1, T, Hkv * D]);
    const v = a.input("v", "float32", [1, T, Hkv * D]);
    const m = masked ? a.input("m", "float32", [1, 1, T, T]) : null;
    a.output(a.op("Attention", m ? [q, k, v, m] : [q, k, v], { q_num_heads: H, kv_num_heads: Hkv }), "y");
    const sa = await createSession(a, { threads, memoryArena: false });
    const feeds: Record<string, Tensor> = { q: randomTensor([1, T, H * D], 23), k: randomTensor([1, T, Hkv * D], 24), v: randomTensor([1, T, Hkv * D], 25) };
    if (masked) feeds.m = Tensor.zeros([1, 1, T, T]);
    await sa.run(feeds);
    const t0 = performance.now();
    await sa.run(feeds);
    const ms = performance.now() - t0;
    await sa.dispose();
    return (4 * T * T * H * D) / ms / 1e6;
  };
  return { int8Gflops: (2 * M * K * N) / r.best / 1e6, visionAttnGflops: await attn(vision.N, vision.H, vision.H, vision.D, false), textAttnGflops: await attn(text.T, text.H, text.Hkv, text.D, true) };
}
