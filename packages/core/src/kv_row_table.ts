/**
 * kv_row_table.ts — which stored row each batch row reads, slot by slot: how a KV cache follows beam
 * search without copying itself.
 *
 * Teaches: in beam search every step re-ranks the beams, and beam b's next token may extend what
 * was beam 3's past. Hugging Face reorders the cache to match (`Cache.reorder_cache(beam_idx)`:
 * an index_select of every layer's keys and values, i.e. copying layers x T x B x Hkv x D floats per
 * step). A cache is append-only, though: a slot, once written, never changes. So instead of moving
 * the data, keep for every slot t and batch row b the stored column it lives in,
 *   table[t][b] = physical column of row b's token at slot t          [maxLength, B] int32
 * and when the beams are re-ranked with parents[b] (row b continues row parents[b]):
 *   table[t][b] <- table[t][parents[b]]   for every filled slot t        O(T x B) integers per step
 * New slots are written at their own row's column (table[t][b] = b), and a reader gathers each row's
 * past through the table. Sharing a prompt among K beams is the same trick: all K rows point at one
 * stored copy (`share`). Like vLLM's block tables, minus the blocks.
 *
 * References: Hugging Face transformers `Cache.reorder_cache` / `_reorder_cache` (the copying way);
 * W. Kwon et al., "Efficient Memory Management for Large Language Model Serving with PagedAttention"
 * (https://arxiv.org/abs/2309.06180) (block tables, copy-on-write forks).
 * Leaves out: freeing columns no row reads any more (the cache is sized for the whole generation).
 */
import { ArgumentError } from "@paligemma-ts/tensor";

export class KVRowTable {
  private readonly table: Int32Array; // [maxLength, B]
  /** True while every row reads its own column at every slot (then readers may take a zero-copy view). */
  identity = true;
  /** Bumped whenever some row's columns change (reorder, share, reset): copies made from the table know they are stale. */
  version = 0;

  constructor(
    readonly batch: number,
    readonly maxLength: number,
  ) {
    this.table = new Int32Array(maxLength * batch);
    for (let t = 0; t < maxLength; t++) for (let b = 0; b < batch; b++) this.table[t * batch + b] = b;
  }

  /** The stored column of row `row` at `slot`. */
  column(slot: number, row: number): number {
    return this.table[slot * this.batch + row];
  }

  /** Row b continues row parents[b]: for the first `length` slots, b reads what parents[b] read. */
  reorder(parents: readonly number[], length: number): void {
    this.check(parents, length, "reorder");
    const B = this.batch;
    const old = new Int32Array(B);
    for (let t = 0; t < length; t++) {
      old.set(this.table.subarray(t * B, (t + 1) * B));
      for (let b = 0; b < B; b++) this.table[t * B + b] = old[parents[b]];
    }
    if (parents.some((p, b) => p !== b)) {
      this.identity = false;
      this.version++;
    }
  }

  /** For the first `length` slots, row b reads stored column source[b] (several rows may share one). */
  share(source: readonly number[], length: number): void {
    this.check(source, length, "share");
    for (let t = 0; t < length; t++) for (let b = 0; b < this.batch; b++) this.table[t * this.batch + b] = source[b];
    if (source.some((s, b) => s !== b)) {
      this.identity = false;
      this.version++;
    }
  }

  /** Back to every row reading its own column. */
  reset(): void {
    for (let t = 0; t < this.maxLength; t++) for (let b = 0; b < this.batch; b++) this.table[t * this.batch + b] = b;
    this.identity = true;
    this.version++;
  }

  private check(rows: readonly number[], length: number, what: string): void {
    if (rows.length !== this.batch) throw new ArgumentError(`KV row table ${what}: ${rows.length} rows for a batch of ${this.batch}`);
    const bad = rows.find((r) => !Number.isInteger(r) || r < 0 || r >= this.batch);
    if (bad !== undefined) throw new ArgumentError(`KV row table ${what}: row ${bad} is outside the batch 0..${this.batch - 1}`);
    if (!Number.isInteger(length) || length < 0 || length > this.maxLength) throw new ArgumentError(`KV row table ${what}: length ${length} outside 0..${this.maxLength}`);
  }
}
