/**
 * gemma_onnx.ts — the Gemma / Gemma 2 decoder on onnxruntime: one session per layer + one LM head.
 *
 * Teaches: the orchestration around fused layer graphs (decoder_layer_onnx.ts), same contract as
 * gemmaForward (model.ts):
 *   x       = inputs_embeds * sqrt(H)                     JS, [B, T, H]
 *   cos,sin = RoPE half tables for `positions`            JS, [B, T, D/2], shared by every layer
 *   masks   = the caller's mask, and for Gemma 2's even layers the same with the sliding window
 *   layer i: session_i(x, cos, sin, mask_i, past_k_i, past_v_i) -> x, new_k, new_v
 *            past_* are zero-copy views of the cache's filled slots (one batch row; a transposed
 *            copy for B > 1); new rows are appended in place
 *   logits  = head(x[rows wanted])                        "last": one row per batch row (1 MiB at V=257k)
 * Memory: sessions are created one at a time, the LM head FIRST: prepacking briefly holds both the
 * mapped and the packed copy of a weight, and the tied head is the largest one (V x H), so building it
 * while nothing else is resident keeps the peak near one copy of the weights.
 * `stats` counts time inside session.run versus the whole forward, to keep per-token JS overhead
 * (masks, tables, cache appends) visible.
 *
 * Reference: model.ts (gemmaForward) — the reference these outputs must match.
 * Leaves out: ring-buffer caches for sliding-window layers, speculative decoding.
 */
import { KVCache, rotaryTables, withSlidingWindow } from "@paligemma-ts/core";
import { type CheckpointWeights, type OnnxSession, type SessionOptions, ShapeError, Tensor, createSession, mul } from "@paligemma-ts/tensor";
import { type GemmaTextConfig, embeddingNormalizer, slidingWindowOf } from "./config.ts";
import { gemmaDecoderLayerGraph, gemmaLmHeadGraph } from "./decoder_layer_onnx.ts";
import { EmbeddingRows } from "./embedding_rows.ts";
import type { GemmaForwardInput } from "./model.ts";
import { PALIGEMMA_TEXT_PREFIX } from "./weights.ts";

/** RoPE tables for positions [B][T], first half only ([B, T, D/2]: the second half repeats it). */
export function rotaryHalfTables(positions: readonly (readonly number[])[], headDim: number, theta: number): { cos: Tensor; sin: Tensor } {
  const full = rotaryTables(positions, headDim, theta); // [B, T, D]
  const [B, T] = full.cos.shape;
  const half = headDim / 2;
  const pick = (t: Tensor) => {
    const src = t.data as Float32Array;
    const out = new Float32Array(B * T * half);
    for (let r = 0; r < B * T; r++) out.set(src.subarray(r * headDim, r * headDim + half), r * half);
    return new Tensor("float32", [B, T, half], out);
  };
  return { cos: pick(full.cos), sin: pick(full.sin) };
}

/** Filled cache slots [T, B, W] (time-major) as [B, T, W]: a zero-copy view when B = 1, else a copy. */
function batchMajor(buf: Float32Array, T: number, B: number, W: number): Tensor {
  if (B === 1) return new Tensor("float32", [1, T, W], buf.subarray(0, T * W));
  const out = new Float32Array(B * T * W);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) out.set(buf.subarray((t * B + b) * W, (t * B + b + 1) * W), (b * T + t) * W);
  return new Tensor("float32", [B, T, W], out);
}

export interface GemmaOnnxStats {
  forwards: number;
  /** Time inside session.run (ORT work + input/output marshalling). */
  sessionMs: number;
  /** Whole forward calls, including masks, tables, cache appends. */
  totalMs: number;
}

export class GemmaOnnx {
  readonly stats: GemmaOnnxStats = { forwards: 0, sessionMs: 0, totalMs: 0 };

  private constructor(
    readonly config: GemmaTextConfig,
    private readonly layers: OnnxSession[],
    private readonly head: OnnxSession,
    private readonly embedRows: EmbeddingRows,
  ) {}

  /** Create the LM head session, then one session per layer (see the header for the order). */
  static async create(c: GemmaTextConfig, w: CheckpointWeights, options: SessionOptions = {}, prefix = PALIGEMMA_TEXT_PREFIX, onSession?: (done: number, total: number) => void): Promise<GemmaOnnx> {
    const o = w.sessionOptions(options);
    const total = c.num_hidden_layers + 1;
    const head = await createSession(gemmaLmHeadGraph(c, w, prefix), o);
    onSession?.(1, total);
    const layers: OnnxSession[] = [];
    for (let i = 0; i < c.num_hidden_layers; i++) {
      layers.push(await createSession(gemmaDecoderLayerGraph(c, w, i, prefix), o));
      onSession?.(i + 2, total);
    }
    return new GemmaOnnx(c, layers, head, new EmbeddingRows(w.checkpoint, `${prefix}embed_tokens.weight`));
  }

  /** Raw embedding rows for ids [B][T] -> [B, T, H] (read from the checkpoint file, no scaling). */
  embed(ids: readonly (readonly number[])[]): Tensor {
    return this.embedRows.rows(ids);
  }

  /** A preallocated time-major cache (core KVCache) for `batch` rows and `maxLength` slots. */
  createCache(batch: number, maxLength: number): KVCache {
    const c = this.config;
    return new KVCache({ numLayers: c.num_hidden_layers, batch, numKvHeads: c.num_key_value_heads, headDim: c.head_dim, maxLength });
  }

  /** One pass (prefill or decode step), gemmaForward's contract; returns the wanted logits. */
  async forward(input: GemmaForwardInput): Promise<{ logits: Tensor | null }> {
    const start = performance.now();
    const c = this.config;
    const { inputsEmbeds, positions, cache, trace } = input;
    const [B, T, H] = inputsEmbeds.shape;
    if (inputsEmbeds.rank !== 3 || H !== c.hidden_size) throw new ShapeError(`Gemma ONNX: inputsEmbeds must be [B, T, ${c.hidden_size}], got [${inputsEmbeds.shape.join(", ")}]`);
    if (positions.length !== B || positions.some((r) => r.length !== T)) throw new ShapeError(`Gemma ONNX: positions must be [${B}][${T}]`);
    const offset = cache ? cache.length : 0;
    const Tk = offset + T;
    const mask = input.mask ?? Tensor.zeros([1, 1, T, Tk]); // [B|1, 1, T, Tk]
    if (mask.rank !== 4 || mask.shape[2] !== T || mask.shape[3] !== Tk) {
      throw new ShapeError(`Gemma ONNX: mask must be [B, 1, ${T}, ${Tk}] (${offset} cached + ${T} new keys), got [${mask.shape.join(", ")}]`);
    }
    const { cos, sin } = rotaryHalfTables(positions, c.head_dim, c.rope_theta);
    const local = new Map<number, Tensor>();
    const maskFor = (i: number): Tensor => {
      const win = slidingWindowOf(c, i);
      if (win === null || win >= Tk) return mask;
      if (!local.has(win)) local.set(win, withSlidingWindow(mask, win, offset));
      return local.get(win)!;
    };
    const kvWidth = c.num_key_value_heads * c.head_dim;
    const empty = new Tensor("float32", [B, 0, kvWidth], new Float32Array(0));
    let x = inputsEmbeds.dtype === "float32" ? mul(inputsEmbeds, embeddingNormalizer(c)) : mul(inputsEmbeds.to("float32"), embeddingNormalizer(c)); // [B, T, H]
    let inRun = 0;
    for (const [i, s] of this.layers.entries()) {
      trace?.(`text.layer${i}.input`, x);
      const lc = cache?.layers[i];
      const past = (buf: Float32Array | undefined) => (lc && buf ? batchMajor(buf, lc.length, B, kvWidth) : empty); // [B, Tp, Hkv*D]
      const t0 = performance.now();
      const out = await s.run({ hidden_states: x, cos, sin, attention_mask: maskFor(i), past_key: past(lc?.keys), past_value: past(lc?.values) });
      inRun += performance.now() - t0;
      lc?.appendRows(out.new_key.data as Float32Array, out.new_value.data as Float32Array);
      x = out.hidden_states_out; // [B, T, H]
      trace?.(`text.layer${i}.output`, x);
    }
    const want = input.logits ?? "all";
    let logits: Tensor | null = null;
    if (want !== "none" || trace) {
      const rows = want === "last" && !trace ? x.slice(1, T - 1, T) : x; // [B, R, H]
      const t0 = performance.now();
      const out = await this.head.run({ hidden_states: rows }, trace ? ["logits", "final_norm"] : ["logits"]);
      inRun += performance.now() - t0;
      if (trace) trace("text.final_norm", out.final_norm);
      logits = want === "none" ? null : want === "last" && trace ? out.logits.slice(1, T - 1, T) : out.logits; // [B, T|1, V]
    }
    this.stats.forwards++;
    this.stats.sessionMs += inRun;
    this.stats.totalMs += performance.now() - start;
    return { logits };
  }

  async dispose(): Promise<void> {
    for (const s of [this.head, ...this.layers]) await s.dispose();
    this.embedRows.close();
  }
}
