/**
 * npz.ts — read NumPy's .npz archives (np.savez / np.savez_compressed): a zip of .npy files.
 *
 * Teaches: an .npz is an ordinary zip archive whose members are named "<array name>.npy"; savez stores
 * them uncompressed, savez_compressed deflates them. Unzipping is fflate's job (a small, maintained
 * zip/deflate library, pinned); each member is then one readNpy (npy.ts). PaliGemma's segmentation
 * decoder ships this way (`vae-oid.npz`, PyTorch-style names such as "decoder.0.weight").
 *
 * Reference: https://numpy.org/doc/stable/reference/generated/numpy.savez.html ; fflate
 * (https://github.com/101arrowz/fflate).
 * Leaves out: writing; lazy reading (the archive is read whole: the mask decoder is ~19 MB).
 */
import { readFileSync } from "node:fs";
import { unzipSync } from "fflate";
import type { Tensor } from "../tensor.ts";
import { NpyError, readNpy } from "./npy.ts";

/** Every array of an .npz archive's bytes, by name (".npy" dropped), in archive order. */
export function parseNpz(bytes: Uint8Array, file = "archive.npz"): Map<string, Tensor> {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (e) {
    throw new NpyError(`${file}: not a readable .npz (zip) archive: ${(e as Error).message}`);
  }
  const out = new Map<string, Tensor>();
  for (const [member, data] of Object.entries(members)) {
    if (member.endsWith("/")) continue; // a directory entry
    if (!member.endsWith(".npy")) throw new NpyError(`${file}: member '${member}' is not a .npy array`);
    out.set(member.slice(0, -4), readNpy(data, `${file}:${member}`));
  }
  if (out.size === 0) throw new NpyError(`${file}: the archive holds no .npy arrays`);
  return out;
}

/** Read an .npz file from disk (see parseNpz). */
export function readNpz(path: string): Map<string, Tensor> {
  return parseNpz(new Uint8Array(readFileSync(path)), path);
}
