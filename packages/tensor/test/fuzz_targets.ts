/**
 * fuzz_targets.ts — the safetensors fuzz targets, run in a child process by fuzz_safetensors.test.ts.
 *
 *   safetensors   a mutated .safetensors file: SafetensorsFile.open, then info and read of every tensor
 *   index         a mutated model.safetensors.index.json next to two valid shards, a sub-folder, a
 *                 symlink out of the folder and a FIFO: Checkpoint.open, then read every tensor
 *
 * Both must succeed or throw SafetensorsError (a PaliGemmaError); a hang on the FIFO or an
 * allocation sized by a hostile header is a finding (see src/fuzz.ts).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Checkpoint, type FuzzReport, type FuzzTarget, SafetensorsError, SafetensorsFile, fuzz, mutateBytes, mutateJson } from "../src/index.ts";

const corpus = new URL("./fuzz_corpus/", import.meta.url).pathname;
const read = (name: string) => new Uint8Array(fs.readFileSync(path.join(corpus, name)));
const isSafetensorsError = (e: unknown) => e instanceof SafetensorsError;

function safetensorsTarget(dir: string): FuzzTarget {
  const file = path.join(dir, "case.safetensors");
  return {
    name: "safetensors",
    seeds: ["mixed.safetensors", "half.safetensors", "model-00001-of-00002.safetensors"].map(read),
    expected: isSafetensorsError,
    // Half the cases edit the JSON header (keeping its length prefix right), half the raw bytes.
    mutate(input, rng, seeds) {
      if (rng() < 0.5 || input.length < 8) return mutateBytes(input, rng, seeds);
      const n = Number(new DataView(input.buffer, input.byteOffset).getBigUint64(0, true));
      if (8 + n > input.length) return mutateBytes(input, rng, seeds);
      const header = mutateJson(input.subarray(8, 8 + n), rng);
      const out = new Uint8Array(8 + header.length + input.length - 8 - n);
      new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
      out.set(header, 8);
      out.set(input.subarray(8 + n), 8 + header.length);
      return out;
    },
    run(input) {
      fs.writeFileSync(file, input);
      const f = SafetensorsFile.open(file);
      try {
        for (const name of f.names()) {
          f.info(name);
          f.read(name);
        }
      } finally {
        f.close();
      }
    },
  };
}

function indexTarget(dir: string): FuzzTarget {
  for (const s of ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]) fs.copyFileSync(path.join(corpus, s), path.join(dir, s));
  fs.mkdirSync(path.join(dir, "sub"));
  fs.symlinkSync("/etc/passwd", path.join(dir, "outside.safetensors"));
  execFileSync("mkfifo", [path.join(dir, "fifo.safetensors")]);
  const index = path.join(dir, "model.safetensors.index.json");
  const names = ["model-00001-of-00002.safetensors", "sub", "fifo.safetensors", "outside.safetensors", "missing.safetensors"];
  return {
    name: "index",
    seeds: [read("model.safetensors.index.json")],
    expected: isSafetensorsError,
    // JSON edits, and sometimes a shard name swapped for one of the special entries above.
    mutate(input, rng, seeds) {
      const text = Buffer.from(mutateJson(input, rng, seeds)).toString("utf8");
      return new TextEncoder().encode(rng() < 0.3 ? text.replace("model-00002-of-00002.safetensors", names[Math.floor(rng() * names.length)]) : text);
    },
    run(input) {
      fs.writeFileSync(index, input);
      const c = Checkpoint.open(dir);
      try {
        for (const name of c.names()) c.read(name);
      } finally {
        c.close();
      }
    },
  };
}

/** Run one target (called through runIsolated). */
export async function runSafetensorsFuzz(which: "safetensors" | "index", cases: number, seed: number): Promise<FuzzReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fuzz-${which}-`));
  try {
    return await fuzz(which === "safetensors" ? safetensorsTarget(dir) : indexTarget(dir), { cases, seed });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
