/**
 * format.ts — NumPy-like printing of a Tensor, for lessons and debugging.
 *
 *   tensor([[ 1.0000, -2.5000],
 *           [ 0.1250,  3.0000]], dtype=float32, shape=[2, 2])
 *
 * Large tensors are summarized with "..." like NumPy (edge items only).
 */
import type { Tensor } from "./tensor.ts";

const EDGE = 3;
const THRESHOLD = 1000;

function fmt(v: number, isFloat: boolean): string {
  if (!isFloat) return String(v);
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-4) ? v.toExponential(4) : v.toFixed(4);
}

export function formatTensor(t: Tensor): string {
  const isFloat = t.dtype === "float32" || t.dtype === "float16" || t.dtype === "bfloat16" || t.dtype === "float64";
  const values = t.toFloat32();
  const summarize = t.size > THRESHOLD;
  const cells: string[] = [];
  const strides = t.strides;
  // Collect formatted cells first so every column can share one width.
  const build = (dim: number, offset: number, indent: string): string => {
    if (t.rank === 0) return fmt(values[0], isFloat);
    const n = t.shape[dim];
    const idx = summarize && n > 2 * EDGE ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];
    if (dim === t.rank - 1) {
      return "[" + idx.map((i) => (i < 0 ? "..." : `\u0000${cells.push(fmt(values[offset + i], isFloat)) - 1}\u0000`)).join(", ") + "]";
    }
    const sep = "," + "\n".repeat(t.rank - 1 - dim) + indent + " ";
    return "[" + idx.map((i) => (i < 0 ? "..." : build(dim + 1, offset + i * strides[dim], indent + " "))).join(sep) + "]";
  };
  const body = build(0, 0, "       ");
  const width = Math.max(0, ...cells.map((c) => c.length));
  const filled = body.replace(/\u0000(\d+)\u0000/g, (_, k) => cells[Number(k)].padStart(width));
  return `tensor(${filled}, dtype=${t.dtype}, shape=[${t.shape.join(", ")}])`;
}
