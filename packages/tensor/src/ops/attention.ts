/**
 * attention.ts — scaled dot-product attention with grouped-query heads, an additive mask,
 * Gemma 2's attention-logit soft-cap and sliding window.
 *
 * Teaches: for each head h and query position i:
 *   s[j]   = (q[h, i] . k[g, j]) * scale                 scale defaults to 1 / sqrt(D)
 *   s[j]   = softcap * tanh(s[j] / softcap)               only if softcap > 0 (before the mask)
 *   s[j]  += mask[i, j]                                   0 = visible, -Infinity (or -1e9) = blocked
 *   s[j]   = -Infinity if slot(i) - j >= window           only with a window (Gemma 2 local layers)
 *   p      = softmax(s)                                   over the Tk keys
 *   out    = sum_j p[j] * v[g, j]
 * Grouped-query attention (GQA): H query heads share Hkv key/value heads; query head h reads kv head
 * g = floor(h / (H / Hkv)). Hkv = 1 is multi-query attention (PaliGemma 1), Hkv = H is plain multi-head.
 * The Tq queries are the LAST Tq of the Tk key slots (slot(i) = Tk - Tq + i): a prefill has Tq = Tk, a
 * decode step Tq = 1 at slot Tk - 1; the window is counted in slots.
 * A query row whose keys are all blocked (-Infinity) produces zeros instead of NaN (0 / 0).
 *
 * References: Vaswani et al., "Attention Is All You Need" (https://arxiv.org/abs/1706.03762);
 * Ainslie et al., "GQA" (https://arxiv.org/abs/2305.13245); Gemma 2 report (https://arxiv.org/abs/2408.00118);
 * https://pytorch.org/docs/stable/generated/torch.nn.functional.scaled_dot_product_attention.html
 * Leaves out: dropout, is_causal (build a causal mask instead).
 */
import { ArgumentError, ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { broadcastStrides } from "./binary.ts";

/** What shapes the scores besides q, k and the mask: one type for the kernel, the builder and Ops. */
export interface AttentionScoreOptions {
  /** Multiplier of q.k; default 1 / sqrt(D). */
  scale?: number;
  /** Attention-logit soft-cap, applied before the mask (Gemma 2); 0 / null / undefined = none. */
  softcap?: number | null;
  /** Sliding window: query slot i sees key slot j only when i - j < window; null / undefined = none. */
  window?: number | null;
}

/** Heads and score options of one attention call on the 3-D layout [B, T, heads * D] (Ops, graph builder). */
export interface AttentionOptions extends AttentionScoreOptions {
  numHeads: number;
  numKvHeads: number;
}

/** Check head counts and score options: one message for every implementation. */
export function checkAttentionOptions(o: AttentionOptions): void {
  const { numHeads, numKvHeads, softcap, window, scale } = o;
  if (!Number.isInteger(numHeads) || !Number.isInteger(numKvHeads) || numKvHeads < 1 || numHeads % numKvHeads !== 0) {
    throw new ArgumentError(`attention: numHeads ${numHeads} must be a positive multiple of numKvHeads ${numKvHeads}`);
  }
  if (scale !== undefined && !Number.isFinite(scale)) throw new ArgumentError(`attention: scale must be finite, got ${scale}`);
  if (softcap != null && !(softcap >= 0)) throw new ArgumentError(`attention: softcap must be >= 0, got ${softcap}`);
  if (window != null && !(Number.isInteger(window) && window >= 1)) throw new ArgumentError(`attention: window must be a positive integer, got ${window}`);
}

/** The checked sizes and score options of one attention call: shared by the forward and backward kernels. */
export interface AttentionLayout {
  B: number;
  H: number;
  Hkv: number;
  Tq: number;
  Tk: number;
  D: number;
  Dv: number;
  /** Query heads per kv head (H / Hkv). */
  group: number;
  scale: number;
  /** 0 = none. */
  softcap: number;
  /** Infinity = none. */
  window: number;
  /** Strides of the mask viewed as [B, H, Tq, Tk] (0 on broadcast axes; all 0 without a mask). */
  maskStrides: number[];
}

/** Check q [B, H, Tq, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv] and the mask; resolve the score options. */
export function attentionLayout(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, options: AttentionScoreOptions, name = "attention"): AttentionLayout {
  const s = (t: Tensor) => `[${t.shape.join(", ")}]`;
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new ShapeError(`${name}: q, k, v must be [B, H, T, D], got q ${s(q)}, k ${s(k)}, v ${s(v)}`);
  }
  const [B, H, Tq, D] = q.shape;
  const [Bk, Hkv, Tk, Dk] = k.shape;
  const [Bv, Hv, Tv, Dv] = v.shape;
  if (Bk !== B || Bv !== B || Dk !== D || Hv !== Hkv || Tv !== Tk) {
    throw new ShapeError(`${name}: shapes do not fit: q ${s(q)}, k ${s(k)}, v ${s(v)} (want k [${B}, Hkv, Tk, ${D}], v [${B}, Hkv, Tk, Dv])`);
  }
  if (Hkv === 0 || H % Hkv !== 0) throw new ShapeError(`${name}: query heads ${H} must be a multiple of key/value heads ${Hkv}`);
  const scale = options.scale ?? 1 / Math.sqrt(D);
  const softcap = options.softcap ?? 0;
  const window = options.window ?? Infinity;
  if (!Number.isFinite(scale)) throw new ArgumentError(`${name}: scale must be finite, got ${scale}`);
  if (!(softcap >= 0)) throw new ArgumentError(`${name}: softcap must be >= 0, got ${softcap}`);
  if (!(window >= 1)) throw new ArgumentError(`${name}: window must be >= 1, got ${window}`);
  if (window !== Infinity && Tq > Tk) throw new ShapeError(`${name}: with a window the ${Tq} queries must be the last slots of the ${Tk} keys`);
  const full = [B, H, Tq, Tk];
  let maskStrides: number[] = [0, 0, 0, 0];
  if (mask) {
    if (mask.rank > 4) throw new ShapeError(`${name}: mask ${s(mask)} has rank > 4`);
    try {
      maskStrides = broadcastStrides(mask.shape, full); // strides of the mask viewed as [B, H, Tq, Tk]
    } catch {
      throw new ShapeError(`${name}: mask ${s(mask)} does not broadcast to [B, H, Tq, Tk] = [${full.join(", ")}]`);
    }
  }
  return { B, H, Hkv, Tq, Tk, D, Dv, group: H / Hkv, scale, softcap, window, maskStrides };
}

/**
 * The Tk scores of query i of head h in batch row b (q, k, mask as flat float32), into `scores`
 * (blocked: -Infinity); returns their max (-Infinity: every key blocked). With a soft-cap,
 * `capped[j]` receives tanh(s_j / softcap) of the scaled dot product, for the backward.
 */
export function attentionRowScores(L: AttentionLayout, qv: Float32Array, kv: Float32Array, mv: Float32Array | null, b: number, h: number, i: number, scores: Float64Array, capped?: Float64Array): number {
  const { H, Hkv, Tq, Tk, D, scale, softcap, window, maskStrides: ms } = L;
  const kBase = (b * Hkv + Math.floor(h / L.group)) * Tk * D;
  const qOff = ((b * H + h) * Tq + i) * D;
  const mOff = b * ms[0] + h * ms[1] + i * ms[2];
  const first = Tk - Tq + i - window + 1; // the window's first visible slot
  let m = -Infinity;
  for (let j = 0; j < Tk; j++) {
    if (j < first) {
      scores[j] = -Infinity;
      continue;
    }
    let dot = 0;
    const kOff = kBase + j * D;
    for (let d = 0; d < D; d++) dot += qv[qOff + d] * kv[kOff + d];
    let sc = dot * scale;
    if (softcap > 0) {
      const t = Math.tanh(sc / softcap);
      if (capped) capped[j] = t;
      sc = softcap * t;
    }
    if (mv) sc += mv[mOff + j * ms[3]];
    scores[j] = sc;
    if (sc > m) m = sc;
  }
  return m;
}

/** scores[j] = softmax(scores)[j] in place, given their max m (finite). */
export function softmaxInPlace(scores: Float64Array, m: number): void {
  let z = 0;
  for (let j = 0; j < scores.length; j++) {
    scores[j] = Math.exp(scores[j] - m);
    z += scores[j];
  }
  for (let j = 0; j < scores.length; j++) scores[j] /= z;
}

/** q [B, H, Tq, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv], mask broadcastable to [B, H, Tq, Tk] -> [B, H, Tq, Dv]. */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  mask: Tensor | null,
  options: AttentionScoreOptions = {},
): Tensor {
  const L = attentionLayout(q, k, v, mask, options);
  const { B, H, Hkv, Tq, Tk, Dv } = L;
  const qv = q.toFloat32();
  const kv = k.toFloat32();
  const vv = v.toFloat32();
  const mv = mask ? mask.toFloat32() : null;
  const out = new Float32Array(B * H * Tq * Dv); // [B, H, Tq, Dv]
  const scores = new Float64Array(Tk);
  const acc = new Float64Array(Dv);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const vBase = (b * Hkv + Math.floor(h / L.group)) * Tk * Dv;
      for (let i = 0; i < Tq; i++) {
        const m = attentionRowScores(L, qv, kv, mv, b, h, i, scores);
        if (m === -Infinity) continue; // every key blocked: output stays 0
        softmaxInPlace(scores, m); // p
        acc.fill(0);
        for (let j = 0; j < Tk; j++) {
          const vOff = vBase + j * Dv;
          for (let d = 0; d < Dv; d++) acc[d] += scores[j] * vv[vOff + d];
        }
        out.set(acc, ((b * H + h) * Tq + i) * Dv);
      }
    }
  }
  return new Tensor("float32", [B, H, Tq, Dv], out);
}
