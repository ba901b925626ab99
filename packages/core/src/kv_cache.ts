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
 * The B > 1 copy in `past()` costs B * len * Hkv*D floats per layer per decode step (2.4 MB at B = 8,
 * 300 slots, Gemma 2B: ~88 MB per token), so a layer may instead ask for `paddedPast()`: a batch-major
 * mirror [B, maxLength, Hkv, D] of every row's past as the row table reads it, handed over whole (each
 * row's capacity) as a zero-copy view; the caller masks the `empty` slots after the filled ones
 * (GemmaModel does, for models without a sliding window, whose slot distances the padding would
 * change). The mirror is made on the first call (one gather, like one `past()`), then costs two row
 * copies per appended slot and row; under beam search `reorderRows` also copies the mirror rows whose
 * parent changed (at most what one `past()` copies, and never the stored keys).
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

/**
 * Batch-major copies [B, maxLength, Hkv*D] of every row's past AS THE ROW TABLE READS IT; current
 * while `version` is the table's and `filled` the layer's length.
 */
interface Mirror {
  keys: Float32Array;
  values: Float32Array;
  version: number;
  filled: number;
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
  /** B > 1: the batch-major mirror [B, maxLength, Hkv*D] behind paddedPast() (made on its first call). */
  private mirror: Mirror | null = null;

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
    if (this.batch > 1 && this.mirrorCurrent()) this.appendMirror(k, v, t);
    this.length += t;
  }

  /**
   * The past as a layer's input without copying, for any B: [B, maxLength, Hkv*D] (each row's whole
   * capacity, read as the row table says; slots length .. maxLength - 1 are `empty` and must be
   * masked) when B > 1, the filled view [1, length, Hkv*D] (empty 0) when B = 1. The first call (and
   * the first after the row table changed other than through `KVCache.reorderRows`) fills the mirror
   * once, a copy like `past()`'s; from then on appendRows and reorderRows keep it current.
   */
  paddedPast(): { key: Tensor; value: Tensor; empty: number } {
    if (this.batch === 1) return { ...this.past(), empty: 0 };
    const m = this.mirrorCurrent() ? this.mirror! : this.buildMirror();
    const shape = [this.batch, this.maxLength, this.numKvHeads * this.headDim];
    return { key: new Tensor("float32", shape, m.keys), value: new Tensor("float32", shape, m.values), empty: this.maxLength - this.length };
  }

  /** The mirror holds every filled slot of every row as the row table reads it now. */
  private mirrorCurrent(): boolean {
    return this.mirror !== null && this.mirror.version === this.rows.version && this.mirror.filled === this.length;
  }

  /** Gathers the filled slots through the row table into the mirror (allocated once): [T, B] stored -> [B, T] rows. */
  private buildMirror(): Mirror {
    const [T, B, W, cap] = [this.length, this.batch, this.numKvHeads * this.headDim, this.maxLength];
    const m = (this.mirror ??= { keys: new Float32Array(B * cap * W), values: new Float32Array(B * cap * W), version: 0, filled: 0 });
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const from = (t * B + this.rows.column(t, b)) * W;
        const to = (b * cap + t) * W;
        m.keys.set(this.keys.subarray(from, from + W), to);
        m.values.set(this.values.subarray(from, from + W), to);
      }
    }
    m.version = this.rows.version;
    m.filled = T;
    return m;
  }

  /** Rows [t, b] of time-major k/v into the mirror at [b, length + t] (new slots are read at their own column). */
  private appendMirror(k: Float32Array, v: Float32Array, t: number): void {
    const [B, W, cap, m] = [this.batch, this.numKvHeads * this.headDim, this.maxLength, this.mirror!];
    for (let i = 0; i < t; i++) {
      for (let b = 0; b < B; b++) {
        const from = (i * B + b) * W;
        const to = (b * cap + this.length + i) * W;
        m.keys.set(k.subarray(from, from + W), to);
        m.values.set(v.subarray(from, from + W), to);
      }
    }
    m.filled += t;
  }

  /**
   * After the shared row table was reordered with `parents` (from table version `before`): row b of
   * a current mirror becomes row parents[b] (only rows whose parent changed are copied, a row that is
   * both a source and overwritten from a snapshot). A stale mirror is left to paddedPast to rebuild.
   */
  followReorder(parents: readonly number[], before: number): void {
    const m = this.mirror;
    if (!m || m.version !== before || m.filled !== this.length) return;
    const [W, cap, n] = [this.numKvHeads * this.headDim, this.maxLength, this.length * this.numKvHeads * this.headDim];
    const changed = parents.flatMap((p, b) => (p !== b ? [b] : []));
    for (const buf of [m.keys, m.values]) {
      const saved = new Map<number, Float32Array>();
      for (const b of changed) {
        const p = parents[b];
        if (parents[p] !== p && !saved.has(p)) saved.set(p, buf.slice(p * cap * W, p * cap * W + n));
      }
      for (const b of changed) {
        const p = parents[b];
        buf.set(saved.get(p) ?? buf.subarray(p * cap * W, p * cap * W + n), b * cap * W);
      }
    }
    m.version = this.rows.version;
  }

  /** Empty again; a mirror stays allocated (and current: nothing is filled) for reuse. */
  clear(): void {
    this.length = 0;
    if (this.mirror) {
      this.mirror.version = this.rows.version;
      this.mirror.filled = 0;
    }
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

  /**
   * Row b continues row parents[b]'s past (beam search), for every layer: O(length x batch) integers
   * in the table, plus the changed rows of each layer's paddedPast mirror where one was made.
   */
  reorderRows(parents: readonly number[]): void {
    const before = this.rows.version;
    this.rows.reorder(parents, this.length);
    for (const l of this.layers) l.followReorder(parents, before); // the paddedPast mirrors, where made
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
    this.rows.reset();
    for (const l of this.layers) l.clear();
  }
}
