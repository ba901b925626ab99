/**
 * testing.ts — comparing tensors in tests: the largest absolute difference, and allclose.
 *
 * Teaches: float results from different kernels (loop order, fused ops, f16 vs f32) differ in the
 * last bits, so tests compare with a tolerance:
 *   maxAbsDiff(a, b) = max_i |a_i - b_i|
 *   allClose(a, b)   = for all i: |a_i - b_i| <= atol + rtol * |b_i|
 * NaN equals NaN (both kernels agree something is undefined); NaN vs a number is an infinite
 * difference; equal infinities are equal.
 *
 * Also errorOf(f): the value f throws, so a test can check an error's class and fields in one line;
 * openGoldenFixture(dir): a golden fixture folder opened for a test.
 *
 * Reference: https://numpy.org/doc/stable/reference/generated/numpy.allclose.html (equal_nan=True)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ShapeError } from "./errors.ts";
import { Checkpoint } from "./safetensors/checkpoint.ts";
import { SafetensorsFile } from "./safetensors/safetensors_file.ts";
import { Tensor } from "./tensor.ts";

function values(x: Tensor | ArrayLike<number>): ArrayLike<number> {
  return x instanceof Tensor ? x.toFloat32() : x;
}

function diff(x: number, y: number): number {
  const nx = Number.isNaN(x);
  const ny = Number.isNaN(y);
  if (nx || ny) return nx && ny ? 0 : Infinity;
  if (x === y) return 0; // also equal infinities, where x - y would be NaN
  return Math.abs(x - y);
}

/** max_i |a_i - b_i| (0 for empty inputs); throws ShapeError if the sizes differ. */
export function maxAbsDiff(a: Tensor | ArrayLike<number>, b: Tensor | ArrayLike<number>): number {
  const av = values(a);
  const bv = values(b);
  if (av.length !== bv.length) throw new ShapeError(`maxAbsDiff: sizes differ (${av.length} vs ${bv.length})`);
  let m = 0;
  for (let i = 0; i < av.length; i++) m = Math.max(m, diff(av[i], bv[i]));
  return m;
}

/** True when every |a_i - b_i| <= atol + rtol * |b_i| (NaN == NaN). Throws ShapeError if sizes differ. */
export function allClose(a: Tensor | ArrayLike<number>, b: Tensor | ArrayLike<number>, atol = 1e-5, rtol = 0): boolean {
  const av = values(a);
  const bv = values(b);
  if (av.length !== bv.length) throw new ShapeError(`allClose: sizes differ (${av.length} vs ${bv.length})`);
  for (let i = 0; i < av.length; i++) {
    const d = diff(av[i], bv[i]);
    if (d === Infinity || d > atol + rtol * Math.abs(bv[i])) return false;
  }
  return true;
}

/** What `f` throws, for assertions on the error's type and fields; an Error if `f` returns normally. */
export function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to throw, it returned normally");
}

/**
 * A golden fixture folder (config.json, model.safetensors, golden.safetensors) opened for a test:
 * the parsed config, the checkpoint and the goldens, and `close` for the test's afterAll.
 */
export function openGoldenFixture(dir: string): { config: Record<string, any>; ckpt: Checkpoint; golden: SafetensorsFile; close(): void } {
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  const ckpt = Checkpoint.open(join(dir, "model.safetensors"));
  const golden = SafetensorsFile.open(join(dir, "golden.safetensors"));
  return { config, ckpt, golden, close: () => (ckpt.close(), golden.close()) };
}
