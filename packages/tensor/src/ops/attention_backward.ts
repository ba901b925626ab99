/**
 * attention_backward.ts — gradients of scaled dot-product attention (GQA, additive mask, soft-cap,
 * sliding window) for the reference kernel's layout q [B, H, Tq, D], k/v [B, Hkv, Tk, D | Dv].
 *
 * Teaches: the forward per head h and query i (attention.ts), with g = the kv head of h:
 *   u_j = (q_i . k_j) * scale;  c_j = softcap * tanh(u_j / softcap) (or u_j);  s_j = c_j + mask_ij
 *   p   = softmax(s);           o_i = sum_j p_j v_j
 * Backward, from dO = dL/do_i, in the reverse order (llm.c's attention_backward, one row at a time):
 *   dv_j += p_j dO                                 every query that read v_j sends p_j of its gradient
 *   dp_j  = dO . v_j
 *   ds_j  = p_j (dp_j - sum_l p_l dp_l)            softmax backward (softmax_backward.ts)
 *   du_j  = ds_j * (1 - tanh(u_j / softcap)^2)     soft-cap backward (soft_cap_backward.ts); the mask
 *                                                   is additive, so ds passes through it unchanged
 *   dq_i += du_j * scale * k_j,   dk_j += du_j * scale * q_i
 * GQA: the H / Hkv query heads of one group all read the same k_j, v_j, so their contributions to
 * dk_j and dv_j add up (the `+=` above, over heads as well as queries). A blocked key (mask -Infinity,
 * or outside the window) has p_j = 0 and so gets nothing; a query whose keys are all blocked output 0
 * in the forward, a constant, and every gradient through it is 0. p is recomputed from q and k
 * (flash-attention style), never stored.
 *
 * References: llm.c `attention_backward` (train_gpt2.c); Dao et al., "FlashAttention" (https://arxiv.org/abs/2205.14135,
 * Algorithm 4: the same recomputation); PyTorch `_scaled_dot_product_attention_math` autograd.
 * Leaves out: the mask's own gradient (masks are constants; ds would be it), dropout.
 */
import { ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { type AttentionScoreOptions, attentionLayout, attentionRowScores, softmaxInPlace } from "./attention.ts";

export interface AttentionGrads {
  dq: Tensor;
  dk: Tensor;
  dv: Tensor;
}

/** dout [B, H, Tq, Dv] with the forward's q, k, v, mask and options -> dq, dk, dv (the inputs' shapes). */
export function attentionBackward(dout: Tensor, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, options: AttentionScoreOptions = {}): AttentionGrads {
  const L = attentionLayout(q, k, v, mask, options, "attentionBackward");
  const { B, H, Hkv, Tq, Tk, D, Dv, group, scale, softcap } = L;
  if (dout.shape.join() !== [B, H, Tq, Dv].join()) {
    throw new ShapeError(`attentionBackward: dout must be [B, H, Tq, Dv] = [${B}, ${H}, ${Tq}, ${Dv}], got [${dout.shape.join(", ")}]`);
  }
  const qv = q.toFloat32();
  const kv = k.toFloat32();
  const vv = v.toFloat32();
  const mv = mask ? mask.toFloat32() : null;
  const gv = dout.toFloat32();
  const dq = new Float64Array(qv.length); // [B, H, Tq, D]
  const dk = new Float64Array(kv.length); // [B, Hkv, Tk, D]
  const dv = new Float64Array(vv.length); // [B, Hkv, Tk, Dv]
  const p = new Float64Array(Tk);
  const capped = new Float64Array(Tk);
  const dp = new Float64Array(Tk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kBase = (b * Hkv + Math.floor(h / group)) * Tk * D;
      const vBase = (b * Hkv + Math.floor(h / group)) * Tk * Dv;
      for (let i = 0; i < Tq; i++) {
        const m = attentionRowScores(L, qv, kv, mv, b, h, i, p, capped);
        if (m === -Infinity) continue; // fully blocked row: constant 0 output, no gradient
        softmaxInPlace(p, m);
        const qOff = ((b * H + h) * Tq + i) * D;
        const oOff = ((b * H + h) * Tq + i) * Dv;
        let pdp = 0; // sum_l p_l dp_l
        for (let j = 0; j < Tk; j++) {
          if (p[j] === 0) continue;
          const vOff = vBase + j * Dv;
          let d = 0;
          for (let e = 0; e < Dv; e++) {
            d += gv[oOff + e] * vv[vOff + e]; // dp_j = dO . v_j
            dv[vOff + e] += p[j] * gv[oOff + e]; // dv_j += p_j dO
          }
          dp[j] = d;
          pdp += p[j] * d;
        }
        for (let j = 0; j < Tk; j++) {
          if (p[j] === 0) continue;
          let du = p[j] * (dp[j] - pdp); // ds_j
          if (softcap > 0) du *= 1 - capped[j] * capped[j];
          du *= scale;
          const kOff = kBase + j * D;
          for (let e = 0; e < D; e++) {
            dq[qOff + e] += du * kv[kOff + e];
            dk[kOff + e] += du * qv[qOff + e];
          }
        }
      }
    }
  }
  return {
    dq: new Tensor("float32", q.shape, Float32Array.from(dq)),
    dk: new Tensor("float32", k.shape, Float32Array.from(dk)),
    dv: new Tensor("float32", v.shape, Float32Array.from(dv)),
  };
}
