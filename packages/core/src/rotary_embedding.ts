/**
 * rotary_embedding.ts — the tables of rotary position embedding (RoPE): which angle each position gets.
 *
 * Teaches: position p is encoded by rotating pairs of query/key features by angles proportional to p,
 * so that q_i . k_j depends only on the offset i - j. For head dimension d (even) and i in [0, d/2):
 *   inv_freq[i] = 1 / theta^(2i / d)                       (theta = rope_theta, 10000 for Gemma)
 *   angle[p, i] = p * inv_freq[i]
 *   cos[p, i] = cos(angle[p, i]),  sin[p, i] = sin(angle[p, i])      the half tables [B, T, d/2]
 * Low i turn fast (one radian per position at i = 0), high i slowly: a spectrum of clocks. The rotation
 * itself, rope(x, p) = x * cos[p] + rotate_half(x) * sin[p] with feature i paired with i + d/2, is the
 * `rope` op (the `rotaryEmbedding` kernel of @paligemma-ts/tensor, ONNX RotaryEmbedding); Hugging Face
 * stores the tables twice as long ([cos, cos]), the op needs only the half.
 *
 * Positions are given per token and per batch row, so left-padded rows and PaliGemma's 1-based
 * positions (cache_position + 1) need no special case. Tables are computed in float32 like the
 * reference (inv_freq and the angle are rounded to float32 before cos/sin).
 *
 * References: Su et al., "RoFormer" (https://arxiv.org/abs/2104.09864); Hugging Face transformers
 * `GemmaRotaryEmbedding`, `rotate_half`, `apply_rotary_pos_emb` (models/gemma/modeling_gemma.py).
 * Leaves out: RoPE scaling variants (linear, NTK, YaRN), partial rotary dimensions.
 */
import { ArgumentError, ShapeError, Tensor } from "@paligemma-ts/tensor";

/** cos/sin half tables for a batch of token positions: both [B, T, headDim / 2], float32. */
export interface RotaryTables {
  cos: Tensor;
  sin: Tensor;
}

/** inv_freq[i] = 1 / theta^(2i / d) for i in [0, d/2), in float32 like the reference. */
export function rotaryInvFreq(headDim: number, theta = 10000): Float32Array {
  if (!Number.isInteger(headDim) || headDim <= 0 || headDim % 2 !== 0) {
    throw new ArgumentError(`rotary: head_dim must be a positive even integer, got ${headDim}`);
  }
  if (!(theta > 0)) throw new ArgumentError(`rotary: rope_theta must be > 0, got ${theta}`);
  const half = headDim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const exponent = Math.fround((2 * i) / headDim);
    inv[i] = 1 / Math.fround(Math.pow(theta, exponent));
  }
  return inv;
}

/** cos/sin half tables [B, T, headDim / 2] for positions [B][T] (or [T], one row). */
export function rotaryTables(positions: readonly (readonly number[])[] | readonly number[], headDim: number, theta = 10000): RotaryTables {
  const rows = positions.length > 0 && typeof positions[0] === "number" ? [positions as readonly number[]] : (positions as readonly (readonly number[])[]);
  const inv = rotaryInvFreq(headDim, theta);
  const half = headDim / 2;
  const B = rows.length;
  const T = B ? rows[0].length : 0;
  const cos = new Float32Array(B * T * half);
  const sin = new Float32Array(B * T * half);
  for (let b = 0; b < B; b++) {
    if (rows[b].length !== T) throw new ShapeError(`rotary: positions row ${b} has ${rows[b].length} entries, row 0 has ${T}`);
    for (let t = 0; t < T; t++) {
      const p = rows[b][t];
      const off = (b * T + t) * half;
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(p * inv[i]); // angle[p, i], float32 like the reference
        cos[off + i] = Math.cos(angle);
        sin[off + i] = Math.sin(angle);
      }
    }
  }
  return { cos: new Tensor("float32", [B, T, half], cos), sin: new Tensor("float32", [B, T, half], sin) }; // [B, T, D/2]
}
