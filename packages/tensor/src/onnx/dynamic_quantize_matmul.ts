/**
 * dynamic_quantize_matmul.ts — int8 weights per output channel, int8 GEMM through com.microsoft DynamicQuantizeMatMul.
 *
 * Teaches: weight-only kernels (MatMulNBits) make decoding fast, but at prefill (M = hundreds of
 * rows) they dequantize and run at float32 speed. Quantizing the ACTIVATIONS too turns the product
 * into an integer GEMM (u8 x s8 -> s32), which MLAS runs with AVX512-VNNI vpdpbusd: 4x the
 * multiply-adds per instruction of float32 FMA. Per output channel n (W kept as [N, K] = [out, in]):
 *   s_n  = max_k |w[n, k]| / 127                   symmetric, no zero point (float32)
 *   q    = clamp(round(w * (1 / s_n)), -127, 127)  int8, stored TRANSPOSED as [K, N] (MatMul's B);
 *                                                  ties to even (numpy.rint); the reciprocal is taken
 *                                                  once per row (a division per weight is ~4x slower)
 * and at run time the kernel quantizes x per tensor (uint8, asymmetric: DynamicQuantizeLinear):
 *   sx, zx = (max(x, 0) - min(x, 0)) / 255, round(-min(x, 0) / sx)
 *   y[m, n] = sx * s_n * sum_k (qx[m, k] - zx) * q[k, n]   (+ bias[n])
 * Measured on this project's 2-core AVX-512 VNNI machine (onnxruntime-node 1.30, M = 276):
 *   [276, 2048] x [2048, 16384]   f32 MatMul 132 ms, MatMulNBits int4/int8 126/106 ms, this 39 ms
 *   [276, 16384] x [16384, 2048]  f32 141 ms, MatMulNBits 113/144 ms, this 41 ms (455-474 GFLOP/s)
 * At M = 1 it reads 1 byte per weight, like MatMulNBits int8 (1.3-1.5 ms at [2048 -> 16384]).
 * The int8 bytes are kept in uint8 storage (two's complement) and typed INT8 in the graph; the node
 * itself is built by `onnxOps.linear` (ops/linear.ts, weight kind "int8").
 * Cost: x is quantized with ONE scale per call (all rows), so an outlier row coarsens every row.
 *
 * References: onnxruntime/core/graph/contrib_ops/quantization_defs.cc (DynamicQuantizeMatMul);
 * https://onnx.ai/onnx/operators/onnx__DynamicQuantizeLinear.html ; Jacob et al., "Quantization and
 * Training of Neural Networks for Efficient Integer-Arithmetic-Only Inference" (https://arxiv.org/abs/1712.05877).
 * Leaves out: per-row activation scales, SmoothQuant-style outlier migration, AMX tiles.
 */
import { roundHalfEven } from "../dtype.ts";
import { ArgumentError } from "../errors.ts";
import { Tensor } from "../tensor.ts";

export interface ChannelQuantizedWeight {
  N: number;
  K: number;
  /** int8 as two's-complement bytes, [K, N] (transposed: MatMul's B layout) */
  weight: Tensor;
  /** float32 [N] */
  scales: Tensor;
}

/** Quantize W [N, K] (float32, row-major [out, in]) to int8 per output channel, stored as [K, N]. */
export function quantizePerChannelInt8(w: Float32Array, N: number, K: number): ChannelQuantizedWeight {
  if (w.length !== N * K) throw new ArgumentError(`quantizePerChannelInt8: ${w.length} values for [${N}, ${K}]`);
  const q = new Uint8Array(K * N);
  const scales = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const row = n * K;
    let m = 0;
    for (let k = 0; k < K; k++) {
      const a = Math.abs(w[row + k]);
      if (a > m) m = a;
    }
    const s = Math.fround(m > 0 ? m / 127 : 1);
    scales[n] = s;
    const inv = 1 / s;
    for (let k = 0; k < K; k++) q[k * N + n] = Math.min(127, Math.max(-127, roundHalfEven(w[row + k] * inv))) & 255;
  }
  return { N, K, weight: new Tensor("uint8", [K, N], q), scales: new Tensor("float32", [N], scales) };
}

/** The float32 weights [N, K] the kernel effectively uses: q * s_n (for tests and lessons). */
export function dequantizePerChannelInt8(q: ChannelQuantizedWeight): Tensor {
  const { N, K } = q;
  const b = q.weight.data as Uint8Array;
  const s = q.scales.data as Float32Array;
  const out = new Float32Array(N * K);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) out[n * K + k] = ((b[k * N + n] << 24) >> 24) * s[n];
  return new Tensor("float32", [N, K], out);
}
