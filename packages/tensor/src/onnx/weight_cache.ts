/**
 * weight_cache.ts — transform a checkpoint's weights once (bf16 -> f32, f32 -> int8/int4), keep them on disk.
 *
 * Teaches: converting is cheap per weight but not per model (quantizing 2.9 B parameters takes about
 * a minute in JS; a bf16 3B checkpoint is 6 GB to widen), and the result depends only on the
 * checkpoint's bytes and the settings. So it is a cache:
 *   key  = sha256(real path, size and mtime of every shard, format version)
 *   dir  = $PALIGEMMA_CACHE or ~/.cache/paligemma-ts, then weights/<key>/
 *   file = one .safetensors per weight and form: <name>.f32.safetensors (the float32 tensor),
 *          <name>.int4b128.safetensors (packed uint8, scales float32, zero_points uint8),
 *          <name>.int8ch.safetensors (weight [K, N] int8 bytes, scales float32 [N]; per output channel)
 * Sessions then reference those files as external-data initializers (the folder is the cache dir),
 * exactly like float32 weights in the original checkpoint; ORT needs all of a session's external
 * files in ONE folder, which is why every transformed form of a checkpoint lives in the same dir.
 * Files are written to `*.partial` and renamed, so an interrupted run never leaves a truncated entry.
 *
 * Reference: matmul_nbits.ts (the quantized format); Hugging Face hub's cache (one folder per content key).
 * Leaves out: eviction (delete the folder to reclaim space), locking between concurrent writers
 * (two processes may both write an entry; the rename makes the last one win, both are identical).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Checkpoint } from "../safetensors/checkpoint.ts";
import { Tensor } from "../tensor.ts";
import { SafetensorsFile } from "../safetensors/safetensors_file.ts";
import { writeSafetensors } from "../safetensors/write.ts";
import { quantizePerChannelInt8 } from "./dynamic_quantize_matmul.ts";
import { type QuantBits, quantizeBlockwise } from "./matmul_nbits.ts";

const FORMAT_VERSION = 2;

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

export class WeightCache {
  readonly dir: string;

  constructor(checkpoint: Checkpoint, root = defaultCacheRoot()) {
    const h = createHash("sha256").update(JSON.stringify({ v: FORMAT_VERSION }));
    for (const f of checkpoint.files) {
      const real = fs.realpathSync(f.path);
      const st = fs.statSync(real);
      h.update(`${real}|${st.size}|${st.mtimeMs}`);
    }
    this.dir = path.join(root, "weights", h.digest("hex").slice(0, 16));
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** The float32 form of `name` (from `read`, e.g. a widened bf16 tensor), written on first use. */
  float32(name: string, shape: readonly number[], read: () => Float32Array): CachedPart {
    const file = this.entry(name, "f32", () => ({ tensor: new Tensor("float32", shape, read()) }));
    return this.parts(file, ["tensor"]).tensor;
  }

  /** The blockwise quantization of `name` ([N, K] float32 from `read`), written on first use. */
  quantized(name: string, N: number, K: number, bits: QuantBits, blockSize: number, read: () => Float32Array): CachedQuantizedWeight {
    const file = this.entry(name, `int${bits}b${blockSize}`, () => {
      const q = quantizeBlockwise(read(), N, K, bits, blockSize);
      return { packed: q.packed, scales: q.scales, zero_points: q.zeroPoints };
    });
    const p = this.parts(file, ["packed", "scales", "zero_points"]);
    return { N, K, packed: p.packed, scales: p.scales, zeroPoints: p.zero_points };
  }

  /** The per-output-channel int8 form of `name` ([N, K] float32 from `read`), stored [K, N]; written on first use. */
  channelInt8(name: string, N: number, K: number, read: () => Float32Array): { N: number; K: number; weight: CachedPart; scales: CachedPart } {
    const file = this.entry(name, "int8ch", () => {
      const q = quantizePerChannelInt8(read(), N, K);
      return { weight: q.weight, scales: q.scales };
    });
    const p = this.parts(file, ["weight", "scales"]);
    return { N, K, weight: p.weight, scales: p.scales };
  }

  /** Make sure `<name>.<form>.safetensors` exists (computing it with `make`); returns the file name. */
  private entry(name: string, form: string, make: () => Record<string, Tensor>): string {
    const file = `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.${form}.safetensors`;
    const full = path.join(this.dir, file);
    if (!fs.existsSync(full)) {
      const tmp = `${full}.${process.pid}.partial`;
      writeSafetensors(tmp, make(), { source: name, form });
      fs.renameSync(tmp, full);
    }
    return file;
  }

  private parts(file: string, names: string[]): Record<string, CachedPart> {
    const st = SafetensorsFile.open(path.join(this.dir, file));
    try {
      return Object.fromEntries(names.map((n) => {
        const i = st.info(n);
        return [n, { location: file, offset: i.byteOffset, length: i.byteLength, shape: i.shape }];
      }));
    } finally {
      st.close();
    }
  }
}
