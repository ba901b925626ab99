/**
 * checkpoint_io.ts — write a trained model as a Hugging Face checkpoint folder, atomically.
 *
 * Teaches: a checkpoint is three files any PaliGemma loader reads the same way:
 *   config.json         the architecture (tiny_paligemma.ts)
 *   model.safetensors   every tensor under its Hugging Face name (float32 here)
 *   tokenizer.model     the SentencePiece vocabulary
 * plus, for resuming, `trainer_state.json` and `optimizer.safetensors` (AdamW moments, step).
 * Nothing half-written is ever trusted: the folder is written under a temporary name next to the
 * target and renamed into place (an existing folder is moved aside first and removed after), so a
 * reader sees the old checkpoint or the new one (or, for an instant, none), never a mix or a
 * truncated file.
 *
 * References: Hugging Face `save_pretrained` (file names); POSIX rename(2) atomicity.
 * Leaves out: sharding (a tiny model is one file), bf16 export.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type Tensor, writeSafetensors } from "@paligemma-ts/tensor";

export interface CheckpointFiles {
  config: Record<string, unknown>;
  tensors: Record<string, Tensor> | Map<string, Tensor>;
  tokenizerModel: Uint8Array;
  /** Extra files (trainer_state.json, optimizer.safetensors, ...): name -> bytes or tensors. */
  extra?: Record<string, Uint8Array | string | Map<string, Tensor>>;
}

/** Write `files` as the folder `dir`, atomically (see the header). Returns `dir`. */
export function saveCheckpoint(dir: string, files: CheckpointFiles): string {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.${process.pid}.partial`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const asObject = (t: Record<string, Tensor> | Map<string, Tensor>) => (t instanceof Map ? Object.fromEntries(t) : t);
  writeFileSync(join(tmp, "config.json"), `${JSON.stringify(files.config, null, 2)}\n`);
  writeSafetensors(join(tmp, "model.safetensors"), asObject(files.tensors), { format: "pt" });
  writeFileSync(join(tmp, "tokenizer.model"), files.tokenizerModel);
  for (const [name, v] of Object.entries(files.extra ?? {})) {
    if (v instanceof Map) writeSafetensors(join(tmp, name), asObject(v));
    else writeFileSync(join(tmp, name), v);
  }
  const old = join(parent, `.${basename(dir)}.${process.pid}.old`);
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
  return dir;
}
