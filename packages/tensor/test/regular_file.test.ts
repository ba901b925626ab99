// regular_file.ts: only regular files are read; directories, FIFOs, devices and oversized files are
// refused with a FileError naming the path (the FIFO case runs through Checkpoint in
// safetensors_checkpoint.test.ts, in a child process so that a regression fails instead of hanging).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileError, PaliGemmaError, openRegularFile, readRegularFile, readRegularFileAsync } from "../src/index.ts";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "regular-file-test-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const file = path.join(root, "a.txt");
fs.writeFileSync(file, "hello");

describe("readRegularFile", () => {
  it("reads a regular file (sync and async), also through a symlink", async () => {
    fs.symlinkSync(file, path.join(root, "link.txt"));
    expect(readRegularFile(file).toString()).toBe("hello");
    expect((await readRegularFileAsync(path.join(root, "link.txt"))).toString()).toBe("hello");
    fs.closeSync(openRegularFile(file));
  });

  it.each([
    ["a directory", root, /is a directory, expected a regular file/],
    ["a character device", "/dev/zero", /is a character device/],
    ["a missing path", path.join(root, "nope"), /cannot open: ENOENT/],
    ["an empty path", "", /not a usable path/],
    ["a path with a NUL byte", "a\0b", /not a usable path/],
  ])("refuses %s with a FileError naming it", async (_what, p, why) => {
    for (const read of [() => readRegularFile(p), () => readRegularFileAsync(p)]) {
      const err = await Promise.resolve().then(read).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FileError);
      expect(err).toBeInstanceOf(PaliGemmaError);
      expect((err as Error).message).toMatch(why);
      if (p) expect((err as FileError).file).toBe(p);
    }
  });

  it("refuses a file larger than maxBytes before reading it", async () => {
    expect(() => readRegularFile(file, 4)).toThrow(/is 5 bytes, more than the 4 allowed/);
    await expect(readRegularFileAsync(file, 4)).rejects.toThrow(FileError);
    expect(readRegularFile(file, 5).length).toBe(5);
  });
});
