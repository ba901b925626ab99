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
 * That copy costs B * len * Hkv*D floats per layer per decode step (2.4 MB at B = 8, 300 slots,
 * Gemma 2B: ~88 MB per token), so with several rows the cache also keeps a batch-major mirror
 * [B, maxLength, Hkv, D] (two extra row copies per appended slot and row), and `paddedPast()` hands a
 * layer every row's whole capacity as a zero-copy view; the caller masks the `empty` slots after the
 * filled ones (GemmaModel does, for models without a sliding window, whose slot distances the padding
 * would change).
 *
 * All rows share one timeline (batched prompts are left-padded to one length), so there is one
 * length per layer. Padding slots are excluded by the attention mask, not by the cache.
 *
 * References: Pope et al., "Efficiently Scaling Transformer Inference" (https://arxiv.org/abs/2211.05102);
 * Hugging Face transformers `StaticCache` (cache_utils.py).
 * Leaves out: paged/blocked caches, beam reordering, ring buffers for sliding-window layers.
 */
import { ArgumentError, ShapeError, Tensor } from "@paligemma-ts/tensor";

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
  /** B > 1: the batch-major mirror [B, maxLength, Hkv*D] behind paddedPast() (made on first append). */
  private mirror: { keys: Float32Array; values: Float32Array } | null = null;

  constructor(batch: number, numKvHeads: number, headDim: number, maxLength: number) {
    for (const [k, v] of Object.entries({ batch, numKvHeads, headDim, maxLength })) {
      if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`KV cache: ${k} must be a positive integer, got ${v}`);
    }
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
    if (this.batch > 1) this.appendMirror(k, v, t);
    this.length += t;
  }

  /** Rows [t, b] of time-major k/v into the mirror at [b, length + t]. */
  private appendMirror(k: Float32Array, v: Float32Array, t: number): void {
    const [B, W, cap] = [this.batch, this.numKvHeads * this.headDim, this.maxLength];
    this.mirror ??= { keys: new Float32Array(B * cap * W), values: new Float32Array(B * cap * W) };
    for (let i = 0; i < t; i++) {
      for (let b = 0; b < B; b++) {
        const from = (i * B + b) * W;
        const to = (b * cap + this.length + i) * W;
        this.mirror.keys.set(k.subarray(from, from + W), to);
        this.mirror.values.set(v.subarray(from, from + W), to);
      }
    }
  }

  /**
   * The past as a layer's input without copying, for any B: [B, maxLength, Hkv*D] (each row's whole
   * capacity; slots length .. maxLength - 1 are `empty` and must be masked) when B > 1, the filled
   * view [1, length, Hkv*D] (empty 0) when B = 1.
   */
  paddedPast(): { key: Tensor; value: Tensor; empty: number } {
    if (this.batch === 1 || !this.mirror) return { ...this.past(), empty: 0 };
    const shape = [this.batch, this.maxLength, this.numKvHeads * this.headDim];
    return { key: new Tensor("float32", shape, this.mirror.keys), value: new Tensor("float32", shape, this.mirror.values), empty: this.maxLength - this.length };
  }

  /** Zero-copy views of the filled part, [length, B, Hkv, D]. */
  view(): { keys: Tensor; values: Tensor } {
    const n = this.length * this.slotSize;
    const shape = [this.length, this.batch, this.numKvHeads, this.headDim];
    return { keys: new Tensor("float32", shape, this.keys.subarray(0, n)), values: new Tensor("float32", shape, this.values.subarray(0, n)) };
  }

  /** The filled keys and values as a layer's past, [B, length, Hkv*D]: a zero-copy view when B = 1, else a copy. */
  past(): { key: Tensor; value: Tensor } {
    return { key: this.batchMajor(this.keys), value: this.batchMajor(this.values) };
  }

  private batchMajor(buf: Float32Array): Tensor {
    const [T, B, W] = [this.length, this.batch, this.numKvHeads * this.headDim];
    if (B === 1) return new Tensor("float32", [1, T, W], buf.subarray(0, T * W));
    const out = new Float32Array(B * T * W);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) out.set(buf.subarray((t * B + b) * W, (t * B + b + 1) * W), (b * T + t) * W); // [T, B, W] -> [B, T, W]
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

  constructor(shape: KVCacheShape) {
    this.shape = { ...shape };
    this.layers = Array.from({ length: shape.numLayers }, () => new LayerKVCache(shape.batch, shape.numKvHeads, shape.headDim, shape.maxLength));
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
  }
}
