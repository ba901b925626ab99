/**
 * weight_cache_reliability.test.ts — the quantized-weight cache can be edited, damaged or interrupted
 * and still never serves wrong weights (the reliability issue, items 2 and 3). On the paligemma-tiny
 * fixture under `dtype: "int8"`, each case compares the prefill logits of a cached load with those of
 * a load into a fresh cache (exact equality: the same bytes must come out):
 *   - a checkpoint edited IN PLACE with the same size and mtime (what `cp -p` / `rsync -a` leave) is
 *     quantized again, not served from the old entry;
 *   - flipped bytes in a cache file's data are caught by its checksum: the entry is rebuilt, with one
 *     line saying why;
 *   - a truncated cache file is rebuilt (it used to fail the same way on every run);
 *   - orphaned `*.partial` files of a writer that is gone are removed.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SafetensorsFile, type Tensor, Tensor as T } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it, vi } from "vitest";
import { PaliGemma } from "../src/index.ts";
import { cleanCopies, readAll, writeCopy } from "./checkpoint_copies.ts";

const roots: string[] = [];
afterAll(() => {
  cleanCopies();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});
const freshRoot = () => {
  const r = mkdtempSync(join(tmpdir(), "wcache-"));
  roots.push(r);
  return r;
};

const FIXTURE = "paligemma-tiny";
const PIXELS = (s: number) => new T("float32", [1, 3, s, s], Float32Array.from({ length: 3 * s * s }, (_, i) => Math.sin(i) * 0.9));

/** Prefill logits of `dir` loaded with int8 weights cached under `cacheRoot`; stderr lines captured. */
async function logits(dir: string, cacheRoot: string): Promise<{ logits: Tensor; notes: string[] }> {
  const notes: string[] = [];
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => (notes.push(String(s)), true));
  try {
    const model = await PaliGemma.load(dir, { dtype: "int8", cacheRoot });
    const ids = model.promptIds("caption en").ids;
    const out = await model.prefillLogits(PIXELS(model.config.vision_config.image_size), [ids]);
    await model.dispose();
    return { logits: out, notes };
  } finally {
    spy.mockRestore();
  }
}

/** The cache files (safetensors entries) under `cacheRoot`, largest first. */
function cacheFiles(cacheRoot: string): string[] {
  const top = join(cacheRoot, "weights");
  return readdirSync(top)
    .flatMap((d) => readdirSync(join(top, d)).filter((f) => f.endsWith(".safetensors")).map((f) => join(top, d, f)))
    .sort((a, b) => statSync(b).size - statSync(a).size);
}

const same = (a: Tensor, b: Tensor) => Buffer.compare(Buffer.from(a.toFloat32().buffer), Buffer.from(b.toFloat32().buffer)) === 0;

describe("weight cache reliability (int8, paligemma-tiny)", () => {
  it("an in-place edit with the same size and mtime (cp -p, rsync -a) is not served from the old cache", async () => {
    const tensors = readAll(FIXTURE);
    const dir = writeCopy(FIXTURE, tensors);
    const file = join(dir, "model.safetensors");
    const cacheRoot = freshRoot();
    const before = await logits(dir, cacheRoot);
    // Edit a decoder linear in place (same length), then put the old mtime back to the nanosecond
    // (`touch -r`, as `cp -p` does; fs.utimesSync only has microseconds).
    const name = Object.keys(tensors).filter((n) => n.includes("mlp.up_proj")).sort()[0];
    const st = statSync(file, { bigint: true });
    const stamp = join(dir, "stamp");
    writeFileSync(stamp, "");
    execFileSync("touch", ["-r", file, stamp]);
    const info = SafetensorsFile.open(file);
    const { byteOffset, byteLength } = info.info(name);
    info.close();
    const fd = openSync(file, "r+");
    const bytes = Buffer.alloc(byteLength);
    readSync(fd, bytes, 0, byteLength, byteOffset);
    const f = new Float32Array(bytes.buffer, bytes.byteOffset, byteLength / 4);
    for (let i = 0; i < f.length; i++) f[i] = -f[i] * 1.5;
    writeSync(fd, bytes, 0, byteLength, byteOffset);
    closeSync(fd);
    execFileSync("touch", ["-r", stamp, file]);
    expect(statSync(file, { bigint: true }).size).toBe(st.size);
    expect(statSync(file, { bigint: true }).mtimeNs).toBe(st.mtimeNs);
    const after = await logits(dir, cacheRoot);
    const fresh = await logits(dir, freshRoot());
    expect(same(before.logits, fresh.logits)).toBe(false); // the edit matters
    expect(same(after.logits, fresh.logits)).toBe(true);
  });

  it("flipped bytes in a cache file are caught by its checksum and the entry is rebuilt (one line says why)", async () => {
    const dir = writeCopy(FIXTURE, readAll(FIXTURE));
    const cacheRoot = freshRoot();
    const good = await logits(dir, cacheRoot);
    const victim = cacheFiles(cacheRoot)[0];
    const size = statSync(victim).size;
    const fd = openSync(victim, "r+");
    const b = Buffer.alloc(64);
    readSync(fd, b, 0, 64, size - 200);
    for (let i = 0; i < 64; i++) b[i] ^= 0x5a;
    writeSync(fd, b, 0, 64, size - 200);
    closeSync(fd);
    const again = await logits(dir, cacheRoot);
    expect(same(again.logits, good.logits)).toBe(true);
    const lines = again.notes.join("").split("\n").filter((l) => l.includes("checksum"));
    console.log(`flipped bytes: ${lines.join(" | ")}`);
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain(victim.split("/").pop()!);
  });

  it("a truncated cache file is rebuilt instead of failing on every run", async () => {
    const dir = writeCopy(FIXTURE, readAll(FIXTURE));
    const cacheRoot = freshRoot();
    const good = await logits(dir, cacheRoot);
    const victim = cacheFiles(cacheRoot)[0];
    truncateSync(victim, Math.floor(statSync(victim).size / 2));
    const again = await logits(dir, cacheRoot);
    expect(same(again.logits, good.logits)).toBe(true);
    expect(again.notes.join("")).toMatch(/truncated|bytes/);
    expect(statSync(victim).size).toBeGreaterThan(0);
  });

  it("orphaned .partial files of a writer that is gone are removed", async () => {
    const dir = writeCopy(FIXTURE, readAll(FIXTURE));
    const cacheRoot = freshRoot();
    await logits(dir, cacheRoot);
    const entryDir = join(cacheRoot, "weights", readdirSync(join(cacheRoot, "weights"))[0]);
    const orphan = join(entryDir, "model.layers.0.mlp.up_proj.weight.int8ch.safetensors.2147480000.partial"); // no such pid
    writeFileSync(orphan, Buffer.alloc(4096));
    await logits(dir, cacheRoot);
    expect(readdirSync(entryDir).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });
});
