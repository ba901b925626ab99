/**
 * rotary_embedding.ts — rotary position embedding (RoPE) applied to projected queries or keys,
 * "rotate-half" form, in the layout a fused layer has them: x [B, T, H*D], one row of tables per token.
 *
 * Teaches: a token at position p rotates each pair of features (i, i + D/2) of every head by the
 * angle p * inv_freq[i] (the tables hold cos and sin of those angles, see core rotary_embedding.ts):
 *   x1 = x[..., i], x2 = x[..., i + D/2]                     i in [0, D/2), per head
 *   y[..., i]       = x1 * cos[i] - x2 * sin[i]
 *   y[..., i + D/2] = x2 * cos[i] + x1 * sin[i]
 * i.e. rope(x) = x * cos + rotate_half(x) * sin with rotate_half([x1, x2]) = [-x2, x1]. So q_i . k_j
 * depends only on the offset i - j. Feature i pairs with i + D/2 (not i + 1 as in RoFormer's
 * interleaved form): Hugging Face Gemma checkpoints are laid out for this pairing.
 * The tables are the first half only ([B, T, D/2]): the second half of HF's tables repeats it.
 * This is exactly ONNX opset 23 RotaryEmbedding(interleaved = 0, num_heads = H) on 3-D input.
 *
 * References: Su et al., "RoFormer" (https://arxiv.org/abs/2104.09864); Hugging Face transformers
 * `rotate_half`, `apply_rotary_pos_emb`; https://onnx.ai/onnx/operators/onnx__RotaryEmbedding.html
 * Leaves out: interleaved pairs, partial rotary dimensions.
 */
import { ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";

/** x [B, T, H*D], cos/sin [B, T, D/2] -> [B, T, H*D] (float32). */
export function rotaryEmbedding(x: Tensor, cos: Tensor, sin: Tensor, numHeads: number): Tensor {
  const [B, T, C] = x.shape;
  const half = cos.shape[2];
  const D = 2 * half;
  const ok = x.rank === 3 && cos.rank === 3 && sin.rank === 3 && cos.shape.join() === sin.shape.join() && cos.shape[0] === B && cos.shape[1] === T && C === numHeads * D;
  if (!ok) {
    throw new ShapeError(`rotaryEmbedding: x must be [B, T, ${numHeads} heads * D] with cos/sin [B, T, D/2]; got x [${x.shape.join(", ")}], cos [${cos.shape.join(", ")}], sin [${sin.shape.join(", ")}]`);
  }
  const xv = x.toFloat32();
  const cv = cos.toFloat32();
  const sv = sin.toFloat32();
  const out = new Float32Array(xv.length);
  for (let r = 0; r < B * T; r++) {
    const t = r * half; // this token's table row
    for (let h = 0; h < numHeads; h++) {
      const o = r * C + h * D; // this head's features
      for (let i = 0; i < half; i++) {
        const x1 = xv[o + i];
        const x2 = xv[o + half + i];
        out[o + i] = Math.fround(x1 * cv[t + i]) - Math.fround(x2 * sv[t + i]);
        out[o + half + i] = Math.fround(x2 * cv[t + i]) + Math.fround(x1 * sv[t + i]);
      }
    }
  }
  return new Tensor("float32", x.shape, out); // [B, T, H*D]
}
