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
 * Reference: DESIGN.md section 4 (40-53 GB/s and 170-195 GFLOP/s measured on an idle machine).
 */
import { Graph, type OnnxSession, Tensor, createSession, seededRng } from "@paligemma-ts/tensor";

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
