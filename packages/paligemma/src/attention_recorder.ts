/**
 * attention_recorder.ts — keep what the attention probe needs while a generation runs, then draw any
 * generated token's attention over the image afterwards.
 *
 * Teaches: observing a model without changing it. `AttentionRecorder` is a DecoderRunner (runners.ts)
 * that wraps another one: it passes every call through and, on the side,
 *   createCache   remembers the KV cache the loop allocates (after the run it holds every layer's keys)
 *   forward       traces "text.layer{i}.input" and keeps the LAST slot of each layer's input
 *                 [B, 1, H], that slot's RoPE position and its mask row [B, 1, 1, Tk]
 * so step t of the loop (t = 0: the prefill) is the query that picked generated token t. That is
 * layers x H floats per step and row (18 x 2048 x 4 B = 147 KB at the 3B shape) plus the cache the
 * generation allocated anyway. `PaliGemma.fromRunners(config, tokenizer, model.vision, recorder)`
 * generates exactly as `model` does (same runners, same math); `imageAttention` then runs the probe
 * (attention_probe.ts) eagerly with the layer's weights from the checkpoint:
 *   keys    = cache.layers[l] slots [0, Tk_t) of row b        (Tk_t: keys seen at step t)
 *   p       = attentionProbabilities(x_t, keys, mask_t + window)   -> the image slots as a grid
 * One recorder records one generation: make a new one per request (the worker keeps a few).
 *
 * Reference: Hugging Face `output_attentions` (what it returns; we recompute one row instead).
 * Leaves out: recording the vision tower's attention (SigLIP layers) and the prompt's own queries.
 */
import type { KVCache } from "@paligemma-ts/core";
import { rotaryTables } from "@paligemma-ts/core";
import { type GemmaForwardInput, type GemmaTextConfig, gemmaWeights } from "@paligemma-ts/gemma";
import { ArgumentError, EagerOps, type ParamGetter, Tensor, type Trace } from "@paligemma-ts/tensor";
import { type ImageAttentionMap, attentionProbabilities, imageAttentionMap, windowedMask } from "./attention_probe.ts";
import type { DecoderRunner } from "./runners.ts";

/** What one decoder call left for the probe. */
export interface RecordedStep {
  /** Per layer: its input at the call's last slot, [B, 1, H]. */
  hidden: Tensor[];
  /** Per row: the RoPE position of that slot. */
  positions: number[];
  /** Its mask row [B|1, 1, 1, Tk], or null (every key seen). */
  mask: Tensor | null;
  /** Keys that slot attends over: cached + new. */
  keys: number;
}

/** Which attention to draw. */
export interface ProbeRequest {
  /** Batch row. */
  row: number;
  /** Generated token index (0 = the first token, picked from the prefill). */
  token: number;
  /** Decoder layer (default the last). */
  layer?: number;
  /** Cache slot of the row's first image token (its left padding; 0 for a single row). */
  firstImageSlot: number;
  /** Image tokens (config.num_image_tokens). */
  numImageTokens: number;
}

export interface TokenAttention extends ImageAttentionMap {
  token: number;
  layer: number;
}

export class AttentionRecorder implements DecoderRunner {
  readonly steps: RecordedStep[] = [];
  private kv: KVCache | null = null;

  constructor(
    private readonly inner: DecoderRunner,
    private readonly config: GemmaTextConfig,
  ) {}

  /** The generation's KV cache (null before the loop allocated it). */
  get cache(): KVCache | null {
    return this.kv;
  }

  embed(ids: readonly (readonly number[])[]): Tensor {
    return this.inner.embed(ids);
  }

  createCache(batch: number, maxLength: number): KVCache {
    if (this.kv) throw new ArgumentError("AttentionRecorder: records one generation; make a new recorder per request");
    this.kv = this.inner.createCache(batch, maxLength);
    return this.kv;
  }

  async forward(input: GemmaForwardInput): Promise<{ logits: Tensor | null }> {
    const T = input.inputsEmbeds.shape[1];
    const keys = (input.cache?.length ?? 0) + T;
    const hidden: Tensor[] = [];
    const trace: Trace = (name, t) => {
      const m = /^text\.layer(\d+)\.input$/.exec(name);
      if (m) hidden[Number(m[1])] = t.slice(1, T - 1, T); // [B, 1, H], a copy: the full input is not kept
      input.trace?.(name, t);
    };
    const out = await this.inner.forward({ ...input, trace });
    this.steps.push({ hidden, positions: input.positions.map((r) => r[T - 1]), mask: input.mask ? input.mask.slice(2, T - 1, T) : null, keys });
    return out;
  }

  /** The wrapped runner belongs to its owner (the model): nothing to release here. */
  async dispose(): Promise<void> {}

  /** Generated token `token`'s attention over the image, averaged over heads, at `layer` (default the last). */
  imageAttention(weight: ParamGetter, prefix: string, request: ProbeRequest): TokenAttention {
    const c = this.config;
    const layer = request.layer ?? c.num_hidden_layers - 1;
    const { row, token } = request;
    if (!Number.isInteger(layer) || layer < 0 || layer >= c.num_hidden_layers) throw new ArgumentError(`attention: layer must be an integer in [0, ${c.num_hidden_layers - 1}], got ${layer}`);
    if (!Number.isInteger(token) || token < 0 || token >= this.steps.length) throw new ArgumentError(`attention: token must be an integer in [0, ${this.steps.length - 1}] (tokens with a recorded step), got ${token}`);
    const cache = this.kv;
    if (!cache || row < 0 || row >= cache.shape.batch) throw new ArgumentError(`attention: row ${row} is not in the recorded batch`);
    const step = this.steps[token];
    const x = step.hidden[layer];
    const H = x.shape[2];
    const hidden = new Tensor("float32", [1, 1, H], x.toFloat32().slice(row * H, (row + 1) * H)); // [1, 1, H]
    const { cos, sin } = rotaryTables([[step.positions[row]]], c.head_dim, c.rope_theta); // [1, 1, D/2]
    const keys = rowKeys(cache, layer, row, step.keys); // [1, Tk, Hkv*D]
    const maskRow = step.mask ? step.mask.slice(0, step.mask.shape[0] === 1 ? 0 : row, (step.mask.shape[0] === 1 ? 0 : row) + 1) : Tensor.zeros([1, 1, 1, step.keys]);
    const mask = windowedMask(c, layer, maskRow.to("float32").reshape([1, 1, 1, step.keys]), step.keys - 1);
    const w = gemmaWeights(c, prefix).layers[layer];
    const { mean } = attentionProbabilities(new EagerOps(weight), c, layer, w, { hidden, cos, sin, keys, mask });
    return { token, layer, ...imageAttentionMap(mean.toFloat32(), request.firstImageSlot, request.numImageTokens) };
  }
}

/** Row `row`'s first `n` keys of `layer`, batch-major [1, n, Hkv*D] (the cache is time-major). */
function rowKeys(cache: KVCache, layer: number, row: number, n: number): Tensor {
  const lc = cache.layers[layer];
  if (n > lc.length) throw new ArgumentError(`attention: step needs ${n} keys, the cache holds ${lc.length}`);
  const W = lc.numKvHeads * lc.headDim;
  const out = new Float32Array(n * W);
  for (let t = 0; t < n; t++) out.set(lc.keys.subarray((t * lc.batch + row) * W, (t * lc.batch + row + 1) * W), t * W);
  return new Tensor("float32", [1, n, W], out);
}
