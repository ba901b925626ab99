/**
 * rotary_embedding.ts — rotary position embedding (RoPE), "rotate-half" form as in Gemma / Hugging Face.
 *
 * Teaches: position p is encoded by rotating pairs of query/key features by angles proportional to p,
 * so that q_i . k_j depends only on the offset i - j. For head dimension d (even) and i in [0, d/2):
 *   inv_freq[i] = 1 / theta^(2i / d)                       (theta = rope_theta, 10000 for Gemma)
 *   angle[p, i] = p * inv_freq[i]
 *   cos[p] = [cos(angle[p, 0..d/2)), cos(angle[p, 0..d/2))]   (the half-length table, repeated twice)
 *   sin[p] likewise
 *   rotate_half([x1, x2]) = [-x2, x1]                       (x1 = first half of the features, x2 = second)
 *   rope(x, p) = x * cos[p] + rotate_half(x) * sin[p]
 * Feature i is paired with feature i + d/2 (not with i + 1 as in the original RoFormer interleaving);
 * checkpoints from Hugging Face are laid out for this pairing.
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

/** cos/sin tables for a batch of token positions: both [B, T, headDim], float32. */
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

/** cos/sin tables [B, T, headDim] for positions [B][T] (or [T], one row). */
export function rotaryTables(positions: readonly (readonly number[])[] | readonly number[], headDim: number, theta = 10000): RotaryTables {
  const rows = positions.length > 0 && typeof positions[0] === "number" ? [positions as readonly number[]] : (positions as readonly (readonly number[])[]);
  const inv = rotaryInvFreq(headDim, theta);
  const half = headDim / 2;
  const B = rows.length;
  const T = B ? rows[0].length : 0;
  const cos = new Float32Array(B * T * headDim);
  const sin = new Float32Array(B * T * headDim);
  for (let b = 0; b < B; b++) {
    if (rows[b].length !== T) throw new ShapeError(`rotary: positions row ${b} has ${rows[b].length} entries, row 0 has ${T}`);
    for (let t = 0; t < T; t++) {
      const p = rows[b][t];
      const off = (b * T + t) * headDim;
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(p * inv[i]); // angle[p, i], float32 like the reference
        const c = Math.cos(angle);
        const s = Math.sin(angle);
        cos[off + i] = c;
        cos[off + half + i] = c;
        sin[off + i] = s;
        sin[off + half + i] = s;
      }
    }
  }
  return { cos: new Tensor("float32", [B, T, headDim], cos), sin: new Tensor("float32", [B, T, headDim], sin) };
}

/** rope(x) for x [B, H, T, D] with tables [B, T, D]: x * cos + rotate_half(x) * sin, float32. */
export function applyRotary(x: Tensor, tables: RotaryTables): Tensor {
  const [B, H, T, D] = x.shape;
  const { cos, sin } = tables;
  if (x.rank !== 4 || cos.rank !== 3 || cos.shape[0] !== B || cos.shape[1] !== T || cos.shape[2] !== D) {
    throw new ShapeError(`rotary: x must be [B, H, T, D] with tables [B, T, D]; got x [${x.shape.join(", ")}], tables [${cos.shape.join(", ")}]`);
  }
  const xv = x.toFloat32();
  const cv = cos.data as Float32Array;
  const sv = sin.data as Float32Array;
  const half = D / 2;
  const out = new Float32Array(xv.length);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const xo = ((b * H + h) * T + t) * D;
        const to = (b * T + t) * D;
        for (let i = 0; i < half; i++) {
          const x1 = xv[xo + i];
          const x2 = xv[xo + half + i];
          // rotate_half(x) = [-x2, x1]
          out[xo + i] = Math.fround(x1 * cv[to + i]) + Math.fround(-x2 * sv[to + i]);
          out[xo + half + i] = Math.fround(x2 * cv[to + half + i]) + Math.fround(x1 * sv[to + half + i]);
        }
      }
    }
  }
  return new Tensor("float32", x.shape, out); // [B, H, T, D]
}
