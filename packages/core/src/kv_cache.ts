/**
 * kv_cache.ts — a preallocated key/value cache for incremental decoding.
 *
 * Teaches: during generation each new token's query attends to the keys and values of all earlier
 * tokens. Those never change, so they are computed once and stored; a decode step then projects only
 * the new token and appends one row per layer, turning O(T^2) recomputation into O(T) per step.
 *
 * Layout (the design decision): each layer owns two Float32Arrays of maxLength * B * Hkv * D elements,
 * TIME-MAJOR: [maxLength, B, Hkv, D]. Slot t of every row and head is one contiguous block of B*Hkv*D
 * floats, so
 *   - appending Tnew positions writes the range [len, len + Tnew) * B*Hkv*D: nothing already in the
 *     cache moves, nothing is reallocated (the buffers are sized for the whole generation up front);
 *   - the filled part, the first `len` slots, is ONE contiguous subarray `keys.subarray(0, len*B*Hkv*D)`,
 *     viewable as [len, B, Hkv, D] without copying. onnxruntime-node takes such views as zero-copy
 *     inputs, so a fused ONNX decoder layer can read the cache straight from JS memory.
 * The usual [B, Hkv, maxLength, D] layout would make the filled part B*Hkv separate strided runs
 * (a copy or a padded max-length input every step); time-major avoids that for any batch size and head
 * count. A layer reads the past as `past()`: [B, len, Hkv*D], which for one batch row IS the filled
 * part (a zero-copy view) and for B > 1 a transposed copy. A layer returns its new rows; the model
 * appends them time-major with `appendRows` (the layer itself never touches the cache).
 *
 * All rows share one timeline (batched prompts are left-padded to one length), so there is one
 * length per layer. Padding slots are excluded by the attention mask, not by the cache.
 * Beam search re-ranks rows every step; the cache follows through a row table shared by all layers
 * (kv_row_table.ts: which stored column each row reads at each slot), so `reorderRows` moves
 * integers, not keys, and `KVCache.expand` lets K beams share one stored copy of their prompt.
 *
 * References: Pope et al., "Efficiently Scaling Transformer Inference" (https://arxiv.org/abs/2211.05102);
 * Hugging Face transformers `StaticCache` (cache_utils.py).
 * Leaves out: paged/blocked caches, ring buffers for sliding-window layers.
 */
import { ArgumentError, ShapeError, Tensor } from "@paligemma-ts/tensor";
import { KVRowTable } from "./kv_row_table.ts";

export interface KVCacheShape {
  numLayers: number;
  batch: number;
  numKvHeads: number;
  headDim: number;
  /** Slots to preallocate: prompt length + new tokens. */
  maxLength: number;
}

/** One layer's keys and values, time-major [maxLength, B, Hkv, D]. */
export class LayerKVCache {
  readonly keys: Float32Array;
  readonly values: Float32Array;
  readonly batch: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly maxLength: number;
  /** Filled slots. */
  length = 0;

  /** Which stored column each row reads per slot (shared by every layer of a KVCache). */
  readonly rows: KVRowTable;

  constructor(batch: number, numKvHeads: number, headDim: number, maxLength: number, rows?: KVRowTable) {
    for (const [k, v] of Object.entries({ batch, numKvHeads, headDim, maxLength })) {
      if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`KV cache: ${k} must be a positive integer, got ${v}`);
    }
    if (rows && (rows.batch !== batch || rows.maxLength < maxLength)) throw new ArgumentError(`KV cache: row table [${rows.maxLength}, ${rows.batch}] does not fit ${maxLength} slots x ${batch} rows`);
    this.rows = rows ?? new KVRowTable(batch, maxLength);
    this.batch = batch;
    this.numKvHeads = numKvHeads;
    this.headDim = headDim;
    this.maxLength = maxLength;
    const n = maxLength * batch * numKvHeads * headDim;
    this.keys = new Float32Array(n);
    this.values = new Float32Array(n);
  }

  /** Floats per slot: B * Hkv * D. */
  get slotSize(): number {
    return this.batch * this.numKvHeads * this.headDim;
  }

  /**
   * Append Tnew slots given time-major rows [Tnew, B, Hkv, D] (what a fused ONNX layer returns).
   * Writes in place after the filled part; throws when the cache is full.
   */
  appendRows(k: Float32Array, v: Float32Array): void {
    const slot = this.slotSize;
    if (k.length !== v.length || k.length % slot !== 0) {
      throw new ShapeError(`KV cache: new rows must be [T, ${this.batch}, ${this.numKvHeads}, ${this.headDim}]; got ${k.length} and ${v.length} floats`);
    }
    const t = k.length / slot;
    this.reserve(t);
    this.keys.set(k, this.length * slot);
    this.values.set(v, this.length * slot);
    this.length += t;
  }

  /** Zero-copy views of the filled part as STORED, [length, B, Hkv, D] (columns, before the row table). */
  view(): { keys: Tensor; values: Tensor } {
    const n = this.length * this.slotSize;
    const shape = [this.length, this.batch, this.numKvHeads, this.headDim];
    return { keys: new Tensor("float32", shape, this.keys.subarray(0, n)), values: new Tensor("float32", shape, this.values.subarray(0, n)) };
  }

  /**
   * The filled keys and values as a layer's past, [B, length, Hkv*D], each row read through the row
   * table: a zero-copy view when B = 1 (and no reordering), else a copy.
   */
  past(): { key: Tensor; value: Tensor } {
    return { key: this.batchMajor(this.keys), value: this.batchMajor(this.values) };
  }

  private batchMajor(buf: Float32Array): Tensor {
    const [T, B, W] = [this.length, this.batch, this.numKvHeads * this.headDim];
    if (B === 1) return new Tensor("float32", [1, T, W], buf.subarray(0, T * W));
    const out = new Float32Array(B * T * W);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const col = this.rows.column(t, b); // = b unless beams were reordered or share a prompt
        out.set(buf.subarray((t * B + col) * W, (t * B + col + 1) * W), (b * T + t) * W); // [T, B, W] -> [B, T, W]
      }
    }
    return new Tensor("float32", [B, T, W], out);
  }

  private reserve(t: number): void {
    if (this.length + t > this.maxLength) {
      throw new ArgumentError(`KV cache: appending ${t} slots to ${this.length} exceeds maxLength ${this.maxLength}`);
    }
  }
}

/** The caches of every layer of a decoder, sharing one timeline. */
export class KVCache {
  readonly layers: LayerKVCache[];
  readonly shape: KVCacheShape;

  /** Which stored column each row reads per slot, shared by every layer. */
  readonly rows: KVRowTable;

  constructor(shape: KVCacheShape) {
    this.shape = { ...shape };
    this.rows = new KVRowTable(shape.batch, shape.maxLength);
    this.layers = Array.from({ length: shape.numLayers }, () => new LayerKVCache(shape.batch, shape.numKvHeads, shape.headDim, shape.maxLength, this.rows));
  }

  /**
   * A cache of `batch * factor` rows whose rows b*factor .. b*factor + factor-1 all start from row b
   * of `src` (a prompt prefilled once, for K beams or K samples): each filled slot of `src` is copied
   * ONCE, into column b*factor, and the other rows of the group point there (no K-fold copy).
   */
  static expand(src: KVCache, factor: number, maxLength: number): KVCache {
    if (!Number.isInteger(factor) || factor < 1) throw new ArgumentError(`KV cache expand: factor must be a positive integer, got ${factor}`);
    const s = src.shape;
    const B = s.batch * factor;
    const T = src.length;
    if (maxLength < T) throw new ArgumentError(`KV cache expand: maxLength ${maxLength} < the ${T} filled slots`);
    const out = new KVCache({ ...s, batch: B, maxLength });
    const W = s.numKvHeads * s.headDim;
    src.layers.forEach((l, i) => {
      const dst = out.layers[i];
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < s.batch; b++) {
          const from = (t * s.batch + l.rows.column(t, b)) * W;
          const to = (t * B + b * factor) * W;
          dst.keys.set(l.keys.subarray(from, from + W), to);
          dst.values.set(l.values.subarray(from, from + W), to);
        }
      }
      dst.length = T;
    });
    out.rows.share(Array.from({ length: B }, (_, r) => Math.floor(r / factor) * factor), T);
    return out;
  }

  /** Row b continues row parents[b]'s past (beam search), for every layer: O(length x batch) integers. */
  reorderRows(parents: readonly number[]): void {
    this.rows.reorder(parents, this.length);
  }

  /** Filled slots (of layer 0; every layer has the same after a full forward). */
  get length(): number {
    return this.layers.length ? this.layers[0].length : 0;
  }

  get maxLength(): number {
    return this.shape.maxLength;
  }

  /** Forget everything (buffers are kept for reuse). */
  reset(): void {
    for (const l of this.layers) l.length = 0;
    this.rows.reset();
  }
}
