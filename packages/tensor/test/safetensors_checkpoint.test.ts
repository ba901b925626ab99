import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Checkpoint, SafetensorsError, Tensor, errorOf, runIsolated, writeSafetensors } from "../src/index.ts";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "checkpoint-test-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A directory with two shards and an index, like transformers' save_pretrained(max_shard_size=...). */
function sharded(opts: { dropShard2?: boolean; duplicate?: boolean; index?: unknown } = {}): string {
  const d = path.join(root, `sharded-${n++}`);
  fs.mkdirSync(d);
  const s1 = "model-00001-of-00002.safetensors";
  const s2 = "model-00002-of-00002.safetensors";
  writeSafetensors(path.join(d, s1), { "embed.weight": Tensor.from([1, 2, 3, 4], [2, 2]), "norm.weight": Tensor.from([5]) }, { format: "pt" });
  const second: Record<string, Tensor> = { "head.weight": Tensor.fromValues([0.5, -1], [1, 2], "bfloat16") };
  if (opts.duplicate) second["norm.weight"] = Tensor.from([6]);
  if (!opts.dropShard2) writeSafetensors(path.join(d, s2), second);
  const index = opts.index ?? { metadata: { total_size: 28 }, weight_map: { "embed.weight": s1, "norm.weight": s1, "head.weight": s2 } };
  fs.writeFileSync(path.join(d, "model.safetensors.index.json"), typeof index === "string" ? index : JSON.stringify(index));
  return d;
}

function thrown(f: () => unknown): SafetensorsError {
  const e = errorOf(f);
  expect(e).toBeInstanceOf(SafetensorsError);
  return e as SafetensorsError;
}

/**
 * Checkpoint.open(p) in a child process with a 20 s limit: opening a FIFO for reading blocks the
 * whole thread, which no in-process timeout can interrupt, so a regression must fail, not hang.
 */
function openInChild(p: string): { hung: boolean; message?: string; tensor?: string } {
  const r = runIsolated<{ name?: string; message?: string; tensor?: string }>(new URL("./open_checkpoint.ts", import.meta.url).href, "openCheckpoint", [p], { timeoutMs: 20_000 });
  if (r.hung || r.crashed) return { hung: true };
  expect(r.value?.name).toBe("SafetensorsError");
  return { hung: false, ...r.value };
}

describe("Checkpoint", () => {
  it("reads a sharded directory through its index, with the shard named in info()", () => {
    const d = sharded();
    const c = Checkpoint.open(d);
    expect(c.names().sort()).toEqual(["embed.weight", "head.weight", "norm.weight"]);
    expect(c.has("head.weight")).toBe(true);
    expect(c.has("nope")).toBe(false);
    expect(c.read("embed.weight").toArray()).toEqual([1, 2, 3, 4]);
    expect(c.read("head.weight").toArray()).toEqual([0.5, -1]);
    const info = c.info("head.weight");
    expect(info).toMatchObject({ dtype: "bfloat16", shape: [1, 2], byteLength: 4, file: path.join(d, "model-00002-of-00002.safetensors") });
    expect(c.metadata).toEqual({ format: "pt" });
    expect(() => c.read("nope")).toThrow(/tensor "nope": no such tensor/);
    c.close();
  });

  it("opens a directory with model.safetensors, or a file path directly", () => {
    const d = path.join(root, "single");
    fs.mkdirSync(d);
    writeSafetensors(path.join(d, "model.safetensors"), { a: Tensor.from([1, 2]) });
    for (const p of [d, path.join(d, "model.safetensors")]) {
      const c = Checkpoint.open(p);
      expect(c.names()).toEqual(["a"]);
      expect(c.info("a").file).toBe(path.join(d, "model.safetensors"));
      expect(c.read("a").toArray()).toEqual([1, 2]);
      c.close();
    }
  });

  it("a shard named in the index but missing is an error naming the shard", () => {
    const d = sharded({ dropShard2: true });
    const e = thrown(() => Checkpoint.open(d));
    expect(e.file).toBe(path.join(d, "model-00002-of-00002.safetensors"));
    expect(e.message).toMatch(/model-00002-of-00002\.safetensors.*is missing/);
    expect(e.tensor).toBe("head.weight");
  });

  it("a tensor stored in two shards is an error naming both", () => {
    const d = sharded({ duplicate: true });
    const e = thrown(() => Checkpoint.open(d));
    expect(e.tensor).toBe("norm.weight");
    expect(e.message).toMatch(/model-00002-of-00002.*norm\.weight.*also stored in shard .*model-00001-of-00002/);
  });

  it("index and shards must agree", () => {
    const s1 = "model-00001-of-00002.safetensors";
    const s2 = "model-00002-of-00002.safetensors";
    // index points a tensor to the wrong shard
    const wrong = thrown(() => Checkpoint.open(sharded({ index: { weight_map: { "embed.weight": s2, "norm.weight": s1, "head.weight": s2 } } })));
    expect(wrong.message).toMatch(/index says shard "model-00002-of-00002.safetensors"/);
    // index lists a tensor no shard has
    const ghost = thrown(() => Checkpoint.open(sharded({ index: { weight_map: { "embed.weight": s1, "ghost": s1, "head.weight": s2 } } })));
    expect(ghost.tensor).toBe("ghost");
    expect(ghost.message).toContain(s1);
  });

  it("a malformed index, an empty directory and a missing path are SafetensorsErrors", () => {
    expect(thrown(() => Checkpoint.open(sharded({ index: "{oops" }))).message).toMatch(/model\.safetensors\.index\.json: cannot read the shard index/);
    expect(thrown(() => Checkpoint.open(sharded({ index: { metadata: {} } }))).message).toMatch(/"weight_map"/);
    expect(thrown(() => Checkpoint.open(sharded({ index: { weight_map: { a: "../x.safetensors" } } }))).tensor).toBe("a");
    const empty = path.join(root, "empty");
    fs.mkdirSync(empty);
    expect(thrown(() => Checkpoint.open(empty)).message).toMatch(/neither model\.safetensors\.index\.json nor model\.safetensors/);
    expect(thrown(() => Checkpoint.open(path.join(root, "nowhere"))).message).toMatch(/nowhere: checkpoint not found/);
  });

  describe("hostile shard names and non-regular shard files", () => {
    const s1 = "model-00001-of-00002.safetensors";
    const s2 = "model-00002-of-00002.safetensors";
    const withShard = (bad: string) => sharded({ index: { weight_map: { "embed.weight": s1, "norm.weight": s1, "head.weight": bad } } });

    it.each(["..", ".", "", "/etc/passwd", "sub/x.safetensors", "..\\x", "x\0y"])("shard name %j is refused naming the index and the entry", (bad) => {
      const d = withShard(bad);
      const e = thrown(() => Checkpoint.open(d));
      expect(e.file).toBe(path.join(d, "model.safetensors.index.json"));
      expect(e.tensor).toBe("head.weight");
      expect(e.message).toContain(JSON.stringify(bad));
      expect(e.message).toMatch(/expected a shard file name in the same folder/);
    });

    it("a shard name the OS cannot open (ENAMETOOLONG, found by fuzz_safetensors) is refused naming the entry", () => {
      const d = withShard("x".repeat(300));
      const e = thrown(() => Checkpoint.open(d));
      expect(e.tensor).toBe("head.weight");
      expect(e.message).toMatch(/weight_map entry "x{300}" cannot be opened: ENAMETOOLONG/);
    });

    it("a shard that is a directory is refused by name, not with a bare EISDIR", () => {
      const d = withShard("shard-dir");
      fs.mkdirSync(path.join(d, "shard-dir"));
      const e = thrown(() => Checkpoint.open(d));
      expect(e.file).toBe(path.join(d, "model.safetensors.index.json"));
      expect(e.tensor).toBe("head.weight");
      expect(e.message).toMatch(/"shard-dir" is a directory, not a regular shard file/);
    });

    it("a shard that is a FIFO is refused without opening it for reading (no hang)", () => {
      const d = withShard("fifo.safetensors");
      const fifo = path.join(d, "fifo.safetensors");
      execFileSync("mkfifo", [fifo]);
      const viaIndex = openInChild(d);
      expect(viaIndex.hung).toBe(false);
      expect(viaIndex.tensor).toBe("head.weight");
      expect(viaIndex.message).toMatch(/"fifo\.safetensors" is a FIFO \(named pipe\), not a regular shard file/);
      // Opened directly (no index), the single file is refused the same way.
      expect(openInChild(fifo).message).toMatch(/is a FIFO \(named pipe\), expected a regular file/);
    });

    it("a symlinked shard (the Hugging Face cache layout) still opens", () => {
      const d = sharded();
      const blob = path.join(d, "blob");
      fs.renameSync(path.join(d, s2), blob);
      fs.symlinkSync(blob, path.join(d, s2));
      const c = Checkpoint.open(d);
      expect(c.read("head.weight").toArray()).toEqual([0.5, -1]);
      c.close();
    });

    it("an index that is a FIFO is refused, not waited on", () => {
      const d = path.join(root, `fifo-index-${n++}`);
      fs.mkdirSync(d);
      execFileSync("mkfifo", [path.join(d, "model.safetensors.index.json")]);
      const r = openInChild(d);
      expect(r.hung).toBe(false);
      expect(r.message).toMatch(/index\.json.*is a FIFO/);
    });
  });
});
