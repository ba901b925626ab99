/**
 * checkpoint.ts — one view over a Hugging Face checkpoint: a single file or a sharded directory.
 *
 * Teaches: large models are saved as shards, model-00001-of-00002.safetensors, ..., with an index
 *   model.safetensors.index.json = { "metadata": {...}, "weight_map": { tensor name -> shard file } }
 * Opening a checkpoint opens every shard's header (cheap) and checks that the index and the shards
 * agree; reading a tensor reads only its bytes from its shard.
 *
 * Accepted inputs: a .safetensors file; a directory with model.safetensors.index.json; a directory
 * with model.safetensors.
 *
 * A hostile index can name anything as a shard. Each name must be a plain file name in the index's
 * folder ("", ".", "..", paths, absolute names and NUL bytes are refused), and each shard must be a
 * regular file (a FIFO would block `open` forever, a directory fails with a bare EISDIR); both are
 * SafetensorsErrors naming the index file and the weight_map entry.
 *
 * Reference: Hugging Face transformers `load_sharded_checkpoint` / `PreTrainedModel.save_pretrained`
 * (https://huggingface.co/docs/transformers/main/en/big_models).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { errorReason, fileKind, readRegularFile } from "../regular_file.ts";
import type { Tensor } from "../tensor.ts";
import { SafetensorsError } from "./format.ts";
import { SafetensorsFile, type TensorInfo } from "./safetensors_file.ts";

export const INDEX_FILE = "model.safetensors.index.json";
export const SINGLE_FILE = "model.safetensors";

/** Index files above this are refused (real ones are ~100 KB; the safetensors header limit is the same). */
export const MAX_INDEX_BYTES = 100_000_000;

/**
 * Why `shard` is not a plain file name in the index's folder, or undefined when it is one.
 * Refused: "", "." and ".." (a folder, not a file), names with "/" or "\\" (other folders), absolute
 * paths, NUL bytes (the OS would cut the name there), and anything that resolves outside `dir`.
 */
function badShardName(dir: string, shard: unknown): string | undefined {
  if (typeof shard !== "string") return "is not a string";
  if (shard === "" || shard === "." || shard === "..") return "is not a file name (empty, . or ..)";
  if (shard.includes("/") || shard.includes("\\") || path.isAbsolute(shard)) return "is a path, not a file name in the same folder";
  if (shard.includes("\0")) return "contains a NUL byte";
  if (path.dirname(path.resolve(dir, shard)) !== path.resolve(dir)) return "resolves outside the checkpoint folder";
  return undefined;
}

/** Read and check model.safetensors.index.json; returns tensor name -> shard file name. */
function readIndex(indexPath: string): Map<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(readRegularFile(indexPath, MAX_INDEX_BYTES).toString("utf8"));
  } catch (e) {
    throw new SafetensorsError(indexPath, `cannot read the shard index as JSON (${errorReason(e)})`, undefined, { cause: e });
  }
  const weightMap = (json as { weight_map?: unknown } | null)?.weight_map;
  if (weightMap === null || typeof weightMap !== "object" || Array.isArray(weightMap)) {
    throw new SafetensorsError(indexPath, `expected an object with "weight_map": { tensor name: shard file }`);
  }
  const map = new Map<string, string>();
  const dir = path.dirname(indexPath);
  for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    const why = badShardName(dir, shard);
    if (why) throw new SafetensorsError(indexPath, `weight_map entry ${JSON.stringify(shard)} ${why}: expected a shard file name in the same folder`, name);
    map.set(name, shard as string);
  }
  return map;
}

export class Checkpoint {
  /** The path given to open (file or directory). */
  readonly path: string;
  /** Open shards, in the order they were first named. */
  readonly files: readonly SafetensorsFile[];
  private readonly owner: Map<string, SafetensorsFile>;

  private constructor(p: string, files: SafetensorsFile[], owner: Map<string, SafetensorsFile>) {
    this.path = p;
    this.files = files;
    this.owner = owner;
  }

  /** Open a .safetensors file, or a directory holding model.safetensors(.index.json). */
  static open(pathOrDir: string): Checkpoint {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(pathOrDir);
    } catch (e) {
      throw new SafetensorsError(pathOrDir, `checkpoint not found: ${(e as Error).message}`, undefined, { cause: e });
    }
    if (!stat.isDirectory()) return Checkpoint.fromFiles(pathOrDir, [SafetensorsFile.open(pathOrDir)], null, pathOrDir);
    const indexPath = path.join(pathOrDir, INDEX_FILE);
    if (fs.existsSync(indexPath)) {
      const weightMap = readIndex(indexPath);
      const files: SafetensorsFile[] = [];
      try {
        for (const shard of new Set(weightMap.values())) {
          const shardPath = path.join(pathOrDir, shard);
          const first = [...weightMap].find(([, s]) => s === shard)![0];
          let st: fs.Stats | undefined;
          try {
            st = fs.statSync(shardPath, { throwIfNoEntry: false }); // follows symlinks (the HF cache uses them)
          } catch (e) {
            // ENAMETOOLONG, ELOOP, EACCES, ...: the name is unusable, say which entry holds it
            throw new SafetensorsError(indexPath, `weight_map entry ${JSON.stringify(shard)} cannot be opened: ${(e as Error).message}`, first, { cause: e });
          }
          if (!st) throw new SafetensorsError(shardPath, `shard "${shard}" named in ${INDEX_FILE} (e.g. for this tensor) is missing`, first);
          if (!st.isFile()) {
            throw new SafetensorsError(indexPath, `weight_map entry "${shard}" is ${fileKind(st)}, not a regular shard file (${shardPath})`, first);
          }
          files.push(SafetensorsFile.open(shardPath));
        }
        return Checkpoint.fromFiles(pathOrDir, files, weightMap, indexPath);
      } catch (e) {
        for (const f of files) f.close();
        throw e;
      }
    }
    const single = path.join(pathOrDir, SINGLE_FILE);
    if (fs.existsSync(single)) return Checkpoint.fromFiles(pathOrDir, [SafetensorsFile.open(single)], null, single);
    throw new SafetensorsError(pathOrDir, `directory has neither ${INDEX_FILE} nor ${SINGLE_FILE}`);
  }

  /** Map every tensor to its shard; a name in two shards, or in a shard the index does not say, is an error. */
  private static fromFiles(p: string, files: SafetensorsFile[], weightMap: Map<string, string> | null, indexPath: string): Checkpoint {
    const owner = new Map<string, SafetensorsFile>();
    try {
      for (const f of files) {
        for (const name of f.names()) {
          const other = owner.get(name);
          if (other) throw new SafetensorsError(f.path, `tensor also stored in shard ${other.path}: a name must live in exactly one shard`, name);
          const expected = weightMap?.get(name);
          if (weightMap && expected !== undefined && expected !== path.basename(f.path)) {
            throw new SafetensorsError(indexPath, `index says shard "${expected}" but the tensor is in ${path.basename(f.path)}`, name);
          }
          owner.set(name, f);
        }
      }
      for (const [name, shard] of weightMap ?? []) {
        if (!owner.has(name)) throw new SafetensorsError(path.join(path.dirname(indexPath), shard), `tensor listed in ${INDEX_FILE} is not in its shard`, name);
      }
    } catch (e) {
      for (const f of files) f.close();
      throw e;
    }
    return new Checkpoint(p, files, owner);
  }

  /** All tensor names, shard by shard in header order. */
  names(): string[] {
    return [...this.owner.keys()];
  }

  has(name: string): boolean {
    return this.owner.has(name);
  }

  /** dtype, shape, byte range, and the shard `file` that holds the tensor. */
  info(name: string): TensorInfo & { file: string } {
    const f = this.shard(name);
    return { ...f.info(name), file: f.path };
  }

  read(name: string): Tensor {
    return this.shard(name).read(name);
  }

  /** Metadata of the first shard (transformers writes {"format": "pt"}). */
  get metadata(): Record<string, string> {
    return this.files[0]?.metadata ?? {};
  }

  close(): void {
    for (const f of this.files) f.close();
  }

  private shard(name: string): SafetensorsFile {
    const f = this.owner.get(name);
    if (!f) throw new SafetensorsError(this.path, `no such tensor in the checkpoint (${this.owner.size} tensors)`, name);
    return f;
  }
}
