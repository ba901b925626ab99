/**
 * model.ts — the Gemma decoder stack: embeddings in, (selected) logits out, on any kernels.
 *
 * Teaches the forward pass, shapes on the right:
 *   x       = inputs_embeds * sqrt(hidden_size)           [B, T, H]   the normalizer, float32
 *   cos,sin = rope tables of `positions`                   [B, T, D/2] computed once, shared by layers
 *   layer i: x, k_i, v_i = layer_i(x, mask, past_i)        [B, T, H]   (Gemma 2's even layers: windowed)
 *            cache_i += (k_i, v_i)                         the model appends; the layer is pure
 *   logits  = cap(rms_norm(x) E^T)                         [B, T', V]  tied head, only where asked:
 *                                                                       "all" (scoring), "last" (generation)
 * Each layer is one Block (decoder_layer.ts / gemma2_decoder_layer.ts written against Ops), the
 * head another; `GemmaModel.create(kernels, ...)` compiles them with the reference or the ONNX
 * kernels, and this ONE forward runs either. The caller owns the mask and the positions, so it serves
 * a standalone causal LM (0-based positions), PaliGemma's prefix-LM (1-based), padded batches,
 * prefill (cache empty) and decode (T = 1, cache full of the past). With several rows a layer reads
 * the cache's padded past in place (KVCache.paddedPast: every row's capacity, the empty slots masked
 * here by maskEmptySlots) instead of a batch-major copy of the filled part per layer and step. With a cache, the T new tokens
 * occupy slots cache.length .. cache.length + T - 1 and `mask` covers all those keys.
 * Blocks are compiled head first: it holds the largest weight (V x H, tied), so creating its session
 * while nothing else is resident keeps the peak near one copy of the weights.
 * `stats` counts time inside the blocks versus the whole forward, to keep per-token JS overhead
 * (tables, cache appends) visible.
 *
 * Reference: Hugging Face transformers `GemmaModel`, `GemmaForCausalLM`, `Gemma2ForCausalLM`.
 * Leaves out: ring-buffer caches for sliding-window layers, speculative decoding.
 */
import { KVCache, rotaryTables, tiedLmHead } from "@paligemma-ts/core";
import { type Block, type BlockRunner, type Kernels, type Ops, ShapeError, Tensor, type Trace, compileBlocks, mul } from "@paligemma-ts/tensor";
import { type GemmaTextConfig, embeddingNormalizer } from "./config.ts";
import { gemma2DecoderLayer } from "./gemma2_decoder_layer.ts";
import { gemmaDecoderLayer } from "./decoder_layer.ts";
import { type GemmaWeights, PALIGEMMA_TEXT_PREFIX, gemmaWeights } from "./weights.ts";

/** Which positions need logits: every one, only the last of each row, or none. */
export type LogitsWanted = "all" | "last" | "none";

export interface GemmaForwardInput {
  /** [B, T, H] token (or merged image) embeddings, before the sqrt(hidden) normalizer. */
  inputsEmbeds: Tensor;
  /** RoPE positions per row [B][T]. */
  positions: readonly (readonly number[])[];
  /** Additive [B or 1, 1, T, Tk], Tk = (cache length before this call) + T; null = see everything. */
  mask: Tensor | null;
  cache?: KVCache | null;
  /** Default "all". */
  logits?: LogitsWanted;
  /** Called with "text.layer{i}.input", "text.layer{i}.output", "text.final_norm" (the rows the head ran on: the last with logits "last"). */
  trace?: Trace;
}

export interface GemmaStats {
  forwards: number;
  /** Time inside the blocks (for ONNX: session.run, ORT work + input/output marshalling). */
  blockMs: number;
  /** Whole forward calls, including tables and cache appends. */
  totalMs: number;
}

/** Final norm, tied head, Gemma 2's final soft-cap: h [..., H] -> logits [..., V]. */
export function gemmaLmHead<T>(ops: Ops<T>, c: GemmaTextConfig, w: GemmaWeights, x: T): { logits: T; normed: T } {
  const normed = ops.rmsNorm(x, w.norm, c.rms_norm_eps); // [..., H]
  const logits = tiedLmHead(ops, normed, w.embed_tokens); // [..., V] = h E^T
  const cap = c.model_type === "gemma2" ? c.final_logit_softcapping : null;
  return { logits: cap ? ops.softCap(logits, cap) : logits, normed };
}

/** The decoder's blocks: the LM head first (see the header), then one per layer. */
export function gemmaBlocks(c: GemmaTextConfig, prefix = PALIGEMMA_TEXT_PREFIX): Block[] {
  const w = gemmaWeights(c, prefix);
  const { hidden_size: H, head_dim: D, num_key_value_heads: Hkv } = c;
  const layer = c.model_type === "gemma2" ? gemma2DecoderLayer : gemmaDecoderLayer;
  const head: Block = {
    name: `${c.model_type}_lm_head`,
    inputs: { hidden_states: { dtype: "float32", dims: ["batch", "rows", H] } },
    forward: (ops, x) => {
      const { logits, normed } = gemmaLmHead(ops, c, w, x.hidden_states);
      return { logits, final_norm: normed };
    },
  };
  const layers = w.layers.map((lw, i): Block => ({
    name: `${c.model_type}_layer${i}`,
    inputs: {
      hidden_states: { dtype: "float32", dims: ["batch", "seq", H] }, // [B, T, H]
      cos: { dtype: "float32", dims: ["batch", "seq", D / 2] }, // [B, T, D/2]
      sin: { dtype: "float32", dims: ["batch", "seq", D / 2] },
      attention_mask: { dtype: "float32", dims: ["mask_batch", 1, "seq", "total"] }, // [B|1, 1, T, Tp+T]
      past_key: { dtype: "float32", dims: ["batch", "past", Hkv * D] }, // [B, Tp, Hkv*D]
      past_value: { dtype: "float32", dims: ["batch", "past", Hkv * D] },
    },
    forward: (ops, x) => {
      const out = layer(ops, c, i, lw, x.hidden_states, { mask: x.attention_mask, rope: { cos: x.cos, sin: x.sin }, past: { key: x.past_key, value: x.past_value } });
      // new rows time-major [T, B, Hkv*D], the cache's layout (a copy of 1 row per token per layer)
      return { hidden_states_out: out.hidden, new_key: ops.transpose(out.key, [1, 0, 2]), new_value: ops.transpose(out.value, [1, 0, 2]) };
    },
  }));
  return [head, ...layers];
}

/** mask [Bm, 1, T, Tk] with `n` blocked (-Infinity) key columns inserted after the first `at`: [Bm, 1, T, Tk + n]. */
export function maskEmptySlots(mask: Tensor, at: number, n: number): Tensor {
  const [Bm, , T, Tk] = mask.shape;
  const src = mask.toFloat32();
  const out = new Float32Array(Bm * T * (Tk + n));
  for (let r = 0; r < Bm * T; r++) {
    const i = r * Tk;
    const o = r * (Tk + n);
    out.set(src.subarray(i, i + at), o);
    out.fill(-Infinity, o + at, o + at + n);
    out.set(src.subarray(i + at, i + Tk), o + at + n);
  }
  return new Tensor("float32", [Bm, 1, T, Tk + n], out);
}

export class GemmaModel {
  readonly stats: GemmaStats = { forwards: 0, blockMs: 0, totalMs: 0 };

  private constructor(
    readonly config: GemmaTextConfig,
    private readonly kernels: Kernels,
    private readonly head: BlockRunner,
    private readonly layers: BlockRunner[],
    private readonly embedName: string,
  ) {}

  /** Compile the decoder's blocks with `kernels` (one ONNX session each on the onnx kernels). */
  static async create(kernels: Kernels, c: GemmaTextConfig, prefix = PALIGEMMA_TEXT_PREFIX, onCompiled?: (done: number, total: number, name: string) => void): Promise<GemmaModel> {
    const [head, ...layers] = await compileBlocks(kernels, gemmaBlocks(c, prefix), onCompiled);
    return new GemmaModel(c, kernels, head, layers, gemmaWeights(c, prefix).embed_tokens);
  }

  /** Raw embedding rows for ids [B][T] -> [B, T, H] (no normalizer). */
  embed(ids: readonly (readonly number[])[]): Tensor {
    return this.kernels.rows(this.embedName, ids);
  }

  /** A preallocated time-major cache (core KVCache) for `batch` rows and `maxLength` slots. */
  createCache(batch: number, maxLength: number): KVCache {
    const c = this.config;
    return new KVCache({ numLayers: c.num_hidden_layers, batch, numKvHeads: c.num_key_value_heads, headDim: c.head_dim, maxLength });
  }

  /** One pass (prefill or decode step); see the header. Returns the wanted logits. */
  async forward(input: GemmaForwardInput): Promise<{ logits: Tensor | null }> {
    const start = performance.now();
    const c = this.config;
    const { inputsEmbeds, positions, cache, trace } = input;
    const [B, T, H] = inputsEmbeds.shape;
    if (inputsEmbeds.rank !== 3 || H !== c.hidden_size) throw new ShapeError(`Gemma: inputsEmbeds must be [B, T, ${c.hidden_size}], got [${inputsEmbeds.shape.join(", ")}]`);
    if (positions.length !== B || positions.some((r) => r.length !== T)) throw new ShapeError(`Gemma: positions must be [${B}][${T}]`);
    const Tk = (cache?.length ?? 0) + T;
    const mask = input.mask ?? Tensor.zeros([1, 1, T, Tk]); // [B|1, 1, T, Tk]
    if (mask.rank !== 4 || mask.shape[2] !== T || mask.shape[3] !== Tk) {
      throw new ShapeError(`Gemma: mask must be [B, 1, ${T}, ${Tk}] (${Tk - T} cached + ${T} new keys), got [${mask.shape.join(", ")}]`);
    }
    const { cos, sin } = rotaryTables(positions, c.head_dim, c.rope_theta); // [B, T, D/2]
    const empty = new Tensor("float32", [B, 0, c.num_key_value_heads * c.head_dim], new Float32Array(0));
    // Several rows: each layer reads every row's whole cache capacity in place (KVCache.paddedPast) and
    // the mask hides the empty slots; not with Gemma 2's sliding window, whose slot distances it would shift.
    const padded = B > 1 && cache && cache.length > 0 && c.model_type !== "gemma2" ? cache.layers[0].paddedPast().empty : 0;
    const layerMask = padded ? maskEmptySlots(mask, Tk - T, padded) : mask; // [B|1, 1, T, Tk + padded]
    let x = mul(inputsEmbeds, embeddingNormalizer(c)); // [B, T, H]
    let inBlocks = 0;
    const run = async (r: BlockRunner, feeds: Record<string, Tensor>, fetch?: string[]) => {
      const t0 = performance.now();
      const out = await r.run(feeds, fetch);
      inBlocks += performance.now() - t0;
      return out;
    };
    for (const [i, layer] of this.layers.entries()) {
      trace?.(`text.layer${i}.input`, x);
      const lc = cache?.layers[i];
      const past = lc && lc.length > 0 ? (padded ? lc.paddedPast() : lc.past()) : { key: empty, value: empty }; // [B, Tp (+ padded), Hkv*D]
      const out = await run(layer, { hidden_states: x, cos, sin, attention_mask: layerMask, past_key: past.key, past_value: past.value });
      lc?.appendRows(out.new_key.toFloat32(), out.new_value.toFloat32());
      x = out.hidden_states_out; // [B, T, H]
      trace?.(`text.layer${i}.output`, x);
    }
    const want = input.logits ?? "all";
    let logits: Tensor | null = null;
    if (want !== "none" || trace) {
      // "last" runs the head on the last position only, traced or not (a traced prefill must not
      // cost T x V logits); "all", and "none" with a trace, on every position.
      const rows = want === "last" ? x.slice(1, T - 1, T) : x; // [B, R, H]
      const out = await run(this.head, { hidden_states: rows }, trace ? ["logits", "final_norm"] : ["logits"]);
      if (trace) trace("text.final_norm", out.final_norm); // [B, R, H]
      logits = want === "none" ? null : out.logits; // [B, T|1, V]
    }
    this.stats.forwards++;
    this.stats.blockMs += inBlocks;
    this.stats.totalMs += performance.now() - start;
    return { logits };
  }

  async dispose(): Promise<void> {
    for (const r of [this.head, ...this.layers]) await r.dispose();
  }
}
