/**
 * random_checkpoint.ts — a PaliGemma checkpoint with random weights at a real model's shape, on disk.
 *
 * Teaches: a benchmark needs the real SHAPES (bytes moved, FLOPs), not real values. We write the
 * google/paligemma-3b-pt-224 layout (SigLIP So400m/14 + Gemma 2B, float32, 2.92 B parameters,
 * ~11.7 GB) with seeded uniform noise of std 0.02 (norm scales around 1), streaming each tensor in
 * 64 MiB chunks so the generator never holds more than one chunk:
 *   value = (u32 / 2^32 * 2 - 1) * 0.02 * sqrt(3)      u32 from xorshift32 seeded by (seed, tensor name)
 * With `dtype: "bfloat16"` the same values are stored rounded to bfloat16 (nearest even), as every
 * PaliGemma 2 release ships: half the bytes (5.85 GB), in a folder of its own.
 * The folder is a cache keyed by (config, seed, generator version), reused across runs:
 *   model-00001-of-00002.safetensors   everything but the vision position embedding
 *   model-00002-of-00002.safetensors   position embedding (depends on the image size)
 *   model.safetensors.index.json, config.json, tokenizer.model (the fixture's, with <image> from config)
 * so a 448-pixel variant hard-links shard 1 and adds only its own shard 2.
 *
 * Reference: https://huggingface.co/google/paligemma-3b-pt-224/blob/main/config.json ;
 * safetensors format (8-byte header length, JSON header, back-to-back little-endian data).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { paliGemmaConfig, paliGemmaWeightSpecs } from "../src/index.ts";

const GENERATOR_VERSION = 1;
const POSITION = "vision_tower.vision_model.embeddings.position_embedding.weight";

/** config.json of google/paligemma-3b-pt-224 (defaults left out as in the original), at `imageSize`. */
export function paligemma3bConfig(imageSize = 224): Record<string, unknown> {
  const tokens = (imageSize / 14) ** 2;
  return {
    architectures: ["PaliGemmaForConditionalGeneration"],
    model_type: "paligemma",
    bos_token_id: 2, eos_token_id: 1, pad_token_id: 0, ignore_index: -100,
    hidden_size: 2048, projection_dim: 2048, image_token_index: 257152, torch_dtype: "float32",
    text_config: { hidden_size: 2048, intermediate_size: 16384, model_type: "gemma", num_attention_heads: 8, num_hidden_layers: 18, num_image_tokens: tokens, num_key_value_heads: 1, torch_dtype: "float32", vocab_size: 257216 },
    vision_config: { hidden_size: 1152, image_size: imageSize, intermediate_size: 4304, model_type: "siglip_vision_model", num_attention_heads: 16, num_hidden_layers: 27, num_image_tokens: tokens, patch_size: 14, projection_dim: 2048, projector_hidden_act: "gelu_fast", vision_use_head: false },
  };
}

function seedOf(seed: number, name: string): number {
  const h = createHash("sha256").update(`${seed}:${name}`).digest();
  return h.readUInt32LE(0) || 1;
}

/** Write one safetensors file of float32 (or bfloat16) random tensors, streaming. */
function writeRandomShard(file: string, specs: readonly { name: string; shape: readonly number[] }[], seed: number, bf16 = false): void {
  const header: Record<string, unknown> = { __metadata__: { format: "pt", generator: `paligemma-ts bench v${GENERATOR_VERSION}` } };
  let offset = 0;
  for (const s of specs) {
    const bytes = s.shape.reduce((a, b) => a * b, 1) * (bf16 ? 2 : 4);
    header[s.name] = { dtype: bf16 ? "BF16" : "F32", shape: s.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // data starts 8-aligned
  const tmp = `${file}.partial`;
  const fd = fs.openSync(tmp, "w");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeSync(fd, len);
  fs.writeSync(fd, Buffer.from(json, "utf8"));
  const chunk = new Float32Array(16 << 20); // 64 MiB
  const bytes = new Uint8Array(chunk.buffer);
  const bits = new Uint32Array(chunk.buffer);
  const half = new Uint16Array(chunk.length);
  for (const s of specs) {
    let x = seedOf(seed, s.name);
    const n = s.shape.reduce((a, b) => a * b, 1);
    const isScale = /norm[^.]*\.weight$/.test(s.name) && !s.name.startsWith("language_model"); // LayerNorm scales ~1; Gemma stores 1+w
    const base = isScale ? 1 : 0;
    const a = 0.02 * Math.sqrt(3);
    for (let done = 0; done < n; ) {
      const m = Math.min(chunk.length, n - done);
      for (let i = 0; i < m; i++) {
        x ^= x << 13; x ^= x >>> 17; x ^= x << 5; // xorshift32
        chunk[i] = base + ((x >>> 0) * 4.656612873077393e-10 - 1) * a;
      }
      if (bf16) {
        for (let i = 0; i < m; i++) half[i] = (bits[i] + 0x7fff + ((bits[i] >>> 16) & 1)) >>> 16; // round to nearest even (finite values)
        fs.writeSync(fd, new Uint8Array(half.buffer, 0, m * 2));
      } else fs.writeSync(fd, bytes, 0, m * 4);
      done += m;
    }
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

export interface RandomCheckpoint {
  dir: string;
  reused: boolean;
  bytes: number;
}

/** The cached random checkpoint for `imageSize` (224, 448, 896), float32 or bfloat16, generated on first use. */
export function randomPaliGemma3b(options: { imageSize?: number; seed?: number; root?: string; tokenizer: string; dtype?: "float32" | "bfloat16"; log?: (s: string) => void }): RandomCheckpoint {
  const imageSize = options.imageSize ?? 224;
  const seed = options.seed ?? 0;
  const bf16 = options.dtype === "bfloat16";
  const root = options.root ?? process.env.PALIGEMMA_BENCH_CACHE ?? path.join(os.tmpdir(), "paligemma-ts-bench");
  const base = paligemma3bConfig(224);
  const key = createHash("sha256").update(JSON.stringify({ base, seed, v: GENERATOR_VERSION })).digest("hex").slice(0, 12);
  const dir = path.join(root, `paligemma-3b-${imageSize}${bf16 ? "-bf16" : ""}-seed${seed}-${key}`);
  const json = paligemma3bConfig(imageSize);
  if (bf16) {
    json.torch_dtype = "bfloat16";
    (json.text_config as Record<string, unknown>).torch_dtype = "bfloat16";
  }
  const specs = paliGemmaWeightSpecs(paliGemmaConfig(json));
  const shard1 = "model-00001-of-00002.safetensors";
  const shard2 = "model-00002-of-00002.safetensors";
  let reused = fs.existsSync(path.join(dir, shard1)) && fs.existsSync(path.join(dir, shard2)) && fs.existsSync(path.join(dir, "config.json"));
  if (!reused) {
    fs.mkdirSync(dir, { recursive: true });
    if (imageSize === 224) {
      options.log?.(`writing a random ${bf16 ? "bfloat16" : "float32"} checkpoint (~${bf16 ? 5.8 : 11.7} GB) to ${dir} (once; reused later)`);
      writeRandomShard(path.join(dir, shard1), specs.filter((s) => s.name !== POSITION), seed, bf16);
    } else {
      const main = randomPaliGemma3b({ ...options, imageSize: 224 }).dir; // shard 1 is shared (its new link moves its ctime: caches of the 224 folder are made again once)
      const target = path.join(dir, shard1);
      fs.rmSync(target, { force: true });
      try {
        fs.linkSync(path.join(main, shard1), target);
      } catch {
        fs.symlinkSync(path.join(main, shard1), target);
      }
    }
    writeRandomShard(path.join(dir, shard2), specs.filter((s) => s.name === POSITION), seed + imageSize, bf16);
    const weightMap = Object.fromEntries(specs.map((s) => [s.name, s.name === POSITION ? shard2 : shard1]));
    fs.writeFileSync(path.join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }, null, 1));
    fs.copyFileSync(options.tokenizer, path.join(dir, "tokenizer.model"));
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(json, null, 2));
  }
  const bytes = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1) * (bf16 ? 2 : 4), 0);
  return { dir, reused, bytes };
}
