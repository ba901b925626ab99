/** checkpoint_copies.ts — write modified copies of a fixture checkpoint into temp folders (for load tests). */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Checkpoint, type Tensor, writeSafetensors } from "@paligemma-ts/tensor";
import { fixtureDir } from "./fixtures.ts";

const made: string[] = [];

/** All tensors of a fixture's checkpoint, in their stored dtype. */
export function readAll(name: string): Record<string, Tensor> {
  const ckpt = Checkpoint.open(fixtureDir(name));
  const out: Record<string, Tensor> = {};
  for (const n of ckpt.names()) out[n] = ckpt.read(n);
  ckpt.close();
  return out;
}

/** A temp model folder with the fixture's config and tokenizer and the given tensors (split into `shards` files). */
export function writeCopy(name: string, tensors: Record<string, Tensor>, shards = 1): string {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  made.push(dir);
  for (const f of ["config.json", "tokenizer.model"]) copyFileSync(join(fixtureDir(name), f), join(dir, f));
  if (shards === 1) {
    writeSafetensors(join(dir, "model.safetensors"), tensors);
    return dir;
  }
  const names = Object.keys(tensors);
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, "0")}-of-${String(shards).padStart(5, "0")}.safetensors`;
    const part: Record<string, Tensor> = {};
    names.filter((_, i) => i % shards === s).forEach((n) => ((part[n] = tensors[n]), (weightMap[n] = file)));
    writeSafetensors(join(dir, file), part);
  }
  writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  return dir;
}

/** Remove every folder made by writeCopy. */
export function cleanCopies(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}
