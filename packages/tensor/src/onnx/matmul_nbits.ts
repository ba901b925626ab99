/**
 * matmul_nbits.ts — weight-only int8 / int4 quantization for onnxruntime's MatMulNBits.
 *
 * Teaches: decoding is memory-bound (every weight is read once per token), so storing weights in
 * 8 or 4 bits instead of 32 cuts the bytes read 4x or 8x. Blockwise asymmetric quantization, per
 * output row n and per block of `blockSize` consecutive inputs k (W kept as [N, K] = [out, in]):
 *   lo = min(0, min w), hi = max(0, max w)          (0 stays exactly representable)
 *   scale = (hi - lo) / (2^bits - 1)
 *   zp    = round(-lo / scale)                      in [0, 2^bits - 1]
 *   q     = clamp(round(w * (1 / scale)) + zp, 0, 2^bits - 1)   (scale as float32; round: ties to even)
 *   w'    = (q - zp) * scale                        what the kernel multiplies by
 * Layout (com.microsoft MatMulNBits): B uint8 [N, blocks, blockSize * bits / 8] (4-bit: element 2i
 * in the low nibble, 2i+1 in the high one), scales float [N * blocks], zero points uint8 [N * blocks]
 * (8-bit) or [N * ceil(blocks / 2)] nibbles (4-bit). A last block past K is padded with zp (= 0.0).
 * accuracy_level 4 lets the CPU kernel quantize activations to int8 per block and use VNNI/AMX
 * integer dot products (DESIGN.md section 4: M=1 [2048 -> 16384] int4 in 1.1-1.6 ms). The node is
 * built by `onnxOps.linear` (ops/linear.ts, weight kind "nbits").
 *
 * References: onnxruntime/core/graph/contrib_ops/contrib_defs.cc (MatMulNBits);
 * Frantar et al., "GPTQ" (https://arxiv.org/abs/2210.17323) for blockwise weight-only quantization.
 * Leaves out: GPTQ/AWQ error-compensating rounding, g_idx (act-order), symmetric variants.
 */
import { roundHalfEven } from "../dtype.ts";
import { ArgumentError } from "../errors.ts";
import { Tensor } from "../tensor.ts";

export type QuantBits = 4 | 8;

export interface QuantizedWeight {
  N: number;
  K: number;
  bits: QuantBits;
  blockSize: number;
  /** uint8 [N, blocks, blockSize * bits / 8] */
  packed: Tensor;
  /** float32 [N * blocks] */
  scales: Tensor;
  /** uint8 [N * blocks] (8-bit) or [N * ceil(blocks / 2)] (4-bit) */
  zeroPoints: Tensor;
}

/** Quantize W [N, K] (float32, row-major [out, in]) blockwise along K. */
export function quantizeBlockwise(w: Float32Array, N: number, K: number, bits: QuantBits, blockSize = 128): QuantizedWeight {
  if (bits !== 4 && bits !== 8) throw new ArgumentError(`quantizeBlockwise: bits must be 4 or 8, got ${bits}`);
  if (blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) throw new ArgumentError(`quantizeBlockwise: blockSize must be a power of two >= 16, got ${blockSize}`);
  if (w.length !== N * K) throw new ArgumentError(`quantizeBlockwise: ${w.length} values for [${N}, ${K}]`);
  const blocks = Math.ceil(K / blockSize);
  const blob = (blockSize * bits) / 8;
  const levels = (1 << bits) - 1;
  const packed = new Uint8Array(N * blocks * blob);
  const scales = new Float32Array(N * blocks);
  const zpRow = bits === 8 ? blocks : Math.ceil(blocks / 2);
  const zps = new Uint8Array(N * zpRow);
  for (let n = 0; n < N; n++) {
    const row = n * K;
    for (let b = 0; b < blocks; b++) {
      const k0 = b * blockSize;
      const k1 = Math.min(K, k0 + blockSize);
      let lo = 0;
      let hi = 0;
      for (let k = k0; k < k1; k++) {
        const v = w[row + k];
        if (v < lo) lo = v;
        else if (v > hi) hi = v;
      }
      const scale = hi > lo ? (hi - lo) / levels : 1;
      const zp = Math.min(levels, Math.max(0, roundHalfEven(-lo / scale)));
      const s32 = Math.fround(scale);
      scales[n * blocks + b] = s32;
      if (bits === 8) zps[n * zpRow + b] = zp;
      else zps[n * zpRow + (b >> 1)] |= zp << ((b & 1) * 4);
      const base = (n * blocks + b) * blob;
      const inv = 1 / s32;
      for (let i = 0; i < blockSize; i++) {
        const k = k0 + i;
        const q = k < k1 ? Math.min(levels, Math.max(0, roundHalfEven(w[row + k] * inv) + zp)) : zp;
        if (bits === 8) packed[base + i] = q;
        else packed[base + (i >> 1)] |= q << ((i & 1) * 4);
      }
    }
  }
  return {
    N, K, bits, blockSize,
    packed: new Tensor("uint8", [N, blocks, blob], packed),
    scales: new Tensor("float32", [N * blocks], scales),
    zeroPoints: new Tensor("uint8", [N * zpRow], zps),
  };
}

/** The float32 weights [N, K] the kernel effectively uses: (q - zp) * scale (for tests and lessons). */
export function dequantizeBlockwise(q: QuantizedWeight): Tensor {
  const { N, K, bits, blockSize } = q;
  const blocks = Math.ceil(K / blockSize);
  const blob = (blockSize * bits) / 8;
  const zpRow = bits === 8 ? blocks : Math.ceil(blocks / 2);
  const p = q.packed.data as Uint8Array;
  const s = q.scales.data as Float32Array;
  const z = q.zeroPoints.data as Uint8Array;
  const out = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const b = Math.floor(k / blockSize);
      const i = k % blockSize;
      const byte = p[(n * blocks + b) * blob + (bits === 8 ? i : i >> 1)];
      const v = bits === 8 ? byte : (byte >> ((i & 1) * 4)) & 15;
      const zp = bits === 8 ? z[n * zpRow + b] : (z[n * zpRow + (b >> 1)] >> ((b & 1) * 4)) & 15;
      out[n * K + k] = (v - zp) * s[n * blocks + b];
    }
  }
  return new Tensor("float32", [N, K], out);
}
