/**
 * quantized_weight_cache.ts — quantize a checkpoint's weights once, keep the result on disk.
 *
 * Teaches: quantizing is cheap per weight but not per model (2.9 B parameters take about a minute in
 * JS), and the result depends only on the checkpoint's bytes and the settings. So it is a cache:
 *   key  = sha256(real path, size and mtime of every shard, bits, block size, format version)
 *   dir  = $PALIGEMMA_CACHE or ~/.cache/paligemma-ts, then quantized/<key>/
 *   file = one .safetensors per weight: packed (uint8), scales (float32), zero_points (uint8)
 * Sessions then reference those files as external-data initializers (the folder is the cache dir),
 * exactly like float32 weights in the original checkpoint. Files are written to `*.partial` and
 * renamed, so an interrupted run never leaves a truncated entry behind.
 *
 * Reference: matmul_nbits.ts (the format); Hugging Face hub's cache (one folder per content key).
 * Leaves out: eviction (delete the folder to reclaim space), locking between concurrent writers
 * (two processes may both write an entry; the rename makes the last one win, both are identical).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Checkpoint } from "../safetensors/checkpoint.ts";
import { SafetensorsFile } from "../safetensors/safetensors_file.ts";
import { writeSafetensors } from "../safetensors/write.ts";
import { type QuantBits, quantizeBlockwise } from "./matmul_nbits.ts";

const FORMAT_VERSION = 1;

/** Where one cached part lives: relative file name + byte range, for externalInitializer. */
export interface CachedPart {
  location: string;
  offset: number;
  length: number;
  shape: number[];
}

export interface CachedQuantizedWeight {
  N: number;
  K: number;
  packed: CachedPart;
  scales: CachedPart;
  zeroPoints: CachedPart;
}

/** Default cache root: $PALIGEMMA_CACHE, else ~/.cache/paligemma-ts. */
export function defaultCacheRoot(): string {
  return process.env.PALIGEMMA_CACHE ?? path.join(os.homedir(), ".cache", "paligemma-ts");
}

export class QuantizedWeightCache {
  readonly dir: string;

  constructor(
    checkpoint: Checkpoint,
    readonly bits: QuantBits,
    readonly blockSize: number,
    root = defaultCacheRoot(),
  ) {
    const h = createHash("sha256").update(JSON.stringify({ v: FORMAT_VERSION, bits, blockSize }));
    for (const f of checkpoint.files) {
      const real = fs.realpathSync(f.path);
      const st = fs.statSync(real);
      h.update(`${real}|${st.size}|${st.mtimeMs}`);
    }
    this.dir = path.join(root, "quantized", h.digest("hex").slice(0, 16));
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** The cached quantization of `name` ([N, K] float32 from `read`), computed and written on first use. */
  get(name: string, N: number, K: number, read: () => Float32Array): CachedQuantizedWeight {
    const file = `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.int${this.bits}.safetensors`;
    const full = path.join(this.dir, file);
    if (!fs.existsSync(full)) {
      const q = quantizeBlockwise(read(), N, K, this.bits, this.blockSize);
      const tmp = `${full}.${process.pid}.partial`;
      writeSafetensors(tmp, { packed: q.packed, scales: q.scales, zero_points: q.zeroPoints }, { source: name, bits: String(this.bits), block_size: String(this.blockSize) });
      fs.renameSync(tmp, full);
    }
    const st = SafetensorsFile.open(full);
    try {
      const part = (n: string): CachedPart => {
        const i = st.info(n);
        return { location: file, offset: i.byteOffset, length: i.byteLength, shape: i.shape };
      };
      return { N, K, packed: part("packed"), scales: part("scales"), zeroPoints: part("zero_points") };
    } finally {
      st.close();
    }
  }
}
