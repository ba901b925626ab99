/**
 * weight_cache.test.ts — the weight cache's key and checks (weight_cache.ts): a key from the shards'
 * identity (a new ctime makes a new key), an older dir of the same checkpoint is removed with one
 * line naming the changed field, entries record their size and crc32, a file that fails a cheap
 * check (truncated, another format) or the checksum is deleted and made again, files are trusted
 * (no checksum on a start) until their identity changes, and `.partial` files
 * of writers that are gone (or over an hour old) are removed. End-to-end behaviour under PaliGemma.load
 * is in packages/paligemma/test/weight_cache_reliability.test.ts.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Checkpoint, ConvertPool, SafetensorsFile, WEIGHT_CACHE_FORMAT, WeightCache, cacheFileName, randNormal, removeOrphans, seededRng, writeSafetensors } from "../src/index.ts";

const root = mkdtempSync(join(tmpdir(), "weight-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const rng = seededRng(5);
const ckptFile = join(root, "model.safetensors");
writeSafetensors(ckptFile, { "fc.weight": randNormal([64, 96], rng), "half.weight": randNormal([32, 96], rng).to("bfloat16") });
const INT8 = { name: "fc.weight", form: { kind: "int8ch" } } as const;
const INT4 = { name: "half.weight", form: { kind: "nbits", bits: 4, blockSize: 32 } } as const;

function open(cacheRoot: string) {
  const lines: string[] = [];
  const ckpt = Checkpoint.open(ckptFile);
  const cache = new WeightCache(ckpt, cacheRoot, { log: (l) => lines.push(l) });
  return { ckpt, cache, lines };
}

describe("WeightCache", () => {
  it("entries record format, size and crc32; a second open reuses them", () => {
    const cacheRoot = join(root, "a");
    const { ckpt, cache } = open(cacheRoot);
    const parts = cache.parts(INT8);
    expect(parts.weight.shape).toEqual([96, 64]);
    const st = SafetensorsFile.open(join(cache.dir, cacheFileName(INT8)));
    expect(st.metadata.format).toBe(WEIGHT_CACHE_FORMAT);
    expect(st.metadata.data_bytes).toBe(String(96 * 64 + 64 * 4));
    expect(st.metadata.crc32).toMatch(/^scales=[0-9a-f]{8},weight=[0-9a-f]{8}$/); // in file order
    st.close();
    ckpt.close();
    const again = open(cacheRoot);
    expect(again.cache.dir).toBe(cache.dir);
    expect(again.cache.check(INT8)).toBeNull();
    again.ckpt.close();
  });

  it("a new ctime (same size and mtime) is a new key; the old dir is removed with one line naming the field", () => {
    const cacheRoot = join(root, "b");
    const first = open(cacheRoot);
    first.cache.parts(INT8);
    first.ckpt.close();
    const st = statSync(ckptFile);
    utimesSync(ckptFile, st.atime, st.mtime); // moves ctime only (mtime restored to the microsecond)
    const second = open(cacheRoot);
    expect(second.cache.dir).not.toBe(first.cache.dir);
    expect(existsSync(first.cache.dir)).toBe(false);
    expect(second.lines.length).toBe(1);
    expect(second.lines[0]).toMatch(/changed since .* \((ctimeNs|mtimeNs)\)/);
    second.ckpt.close();
  });

  it("a truncated file, a file of another format and a failed checksum are each rebuilt with one line", async () => {
    const { ckpt, cache, lines } = open(join(root, "c"));
    const file = join(cache.dir, cacheFileName(INT4));
    cache.parts(INT4);
    truncateSync(file, statSync(file).size - 10);
    const fresh = open(join(root, "c"));
    expect(fresh.cache.check(INT4)).toMatch(/truncated/);
    fresh.cache.parts(INT4); // rebuilt
    expect(fresh.lines.join("\n")).toMatch(/truncated.*rebuilding it/);
    expect(fresh.cache.check(INT4)).toBeNull();
    writeSafetensors(file, { packed: randNormal([2], rng) }, { format: "something else" });
    const third = open(join(root, "c"));
    expect(third.cache.check(INT4)).toMatch(/something else/);
    third.cache.parts(INT4);
    // flip a data byte: only the checksum can tell
    const fd = openSync(file, "r+");
    writeSync(fd, Buffer.from([0xff, 0x00, 0xff]), 0, 3, statSync(file).size - 3);
    closeSync(fd);
    const fourth = open(join(root, "c"));
    expect(fourth.cache.check(INT4)).toBeNull();
    const pool = new ConvertPool(1);
    const problems = await fourth.cache.verify([INT4], pool);
    await pool.close();
    expect(problems.length).toBe(1);
    expect(problems[0].reason).toMatch(/checksum/);
    expect(existsSync(file)).toBe(false);
    expect(fourth.lines.length).toBe(1);
    for (const o of [ckpt, fresh.ckpt, third.ckpt, fourth.ckpt]) o.close();
    expect(lines).toEqual([]);
  });

  it("make() on the pool writes the same files as the in-thread path", async () => {
    const a = open(join(root, "d1"));
    const b = open(join(root, "d2"));
    a.cache.parts(INT8);
    a.cache.parts(INT4);
    const pool = new ConvertPool(2);
    const seen: number[] = [];
    await Promise.all(b.cache.make(b.cache.missing([INT8, INT4]), pool, (p) => seen.push(p.doneBytes)).values());
    await pool.close();
    for (const e of [INT8, INT4]) {
      const x = SafetensorsFile.open(join(a.cache.dir, cacheFileName(e)));
      const y = SafetensorsFile.open(join(b.cache.dir, cacheFileName(e)));
      expect(y.metadata).toEqual(x.metadata); // same crc32 and size
      x.close();
      y.close();
    }
    expect(seen[seen.length - 1]).toBe(64 * 96 * 4 + 32 * 96 * 2); // checkpoint bytes read
    a.ckpt.close();
    b.ckpt.close();
  });

  it("files it wrote or checksummed are trusted until they change (checked.json): a cached start reads none of them", async () => {
    const { ckpt, cache } = open(join(root, "e"));
    cache.parts(INT8);
    cache.parts(INT4);
    expect(cache.untrusted([INT8, INT4])).toEqual([]); // written from memory: their crc32s hold
    const again = open(join(root, "e"));
    expect(again.cache.untrusted([INT8, INT4])).toEqual([]); // and across processes
    const file = join(cache.dir, cacheFileName(INT4));
    const st = statSync(file);
    utimesSync(file, st.atime, st.mtime); // any change moves ctime
    const third = open(join(root, "e"));
    expect(third.cache.untrusted([INT8, INT4])).toEqual([INT4]);
    const pool = new ConvertPool(1);
    expect(await third.cache.verify([INT4], pool)).toEqual([]); // unchanged bytes: trusted again
    await pool.close();
    expect(open(join(root, "e")).cache.untrusted([INT8, INT4])).toEqual([]);
    for (const o of [ckpt, again.ckpt, third.ckpt]) o.close();
  });

  it("removeOrphans removes .partial files of dead writers and old ones, keeps a live writer's", () => {
    const dir = join(root, "orphans");
    const { ckpt } = open(dir);
    ckpt.close();
    const d = join(dir, "weights", readdirSync(join(dir, "weights"))[0]);
    writeFileSync(join(d, "x.safetensors.2147480000.partial"), "dead");
    writeFileSync(join(d, `y.safetensors.${process.pid}.partial`), "live");
    writeFileSync(join(d, `z.safetensors.${process.pid}.partial`), "live but stale");
    const old = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(join(d, `z.safetensors.${process.pid}.partial`), old, old);
    expect(removeOrphans(d)).toBe(2);
    expect(readdirSync(d).filter((f) => f.endsWith(".partial"))).toEqual([`y.safetensors.${process.pid}.partial`]);
  });
});
