/**
 * topk.ts — the k largest values along an axis and where they are.
 *
 * Teaches: top-k sampling and beam search keep the k best candidates. Sort each row's indices by
 * value, descending; equal values keep index order (a stable sort), so ties go to the lower index.
 * NaN counts as larger than any number (PyTorch's convention).
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.topk.html
 * Leaves out: largest = false, unsorted output, partial selection (this sorts the whole row).
 */
import { ArgumentError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { axisLayout } from "./axis.ts";

/** values [.., k, ..] float32 and indices int32, sorted descending along `axis`. */
export function topk(x: Tensor, k: number, axis = -1): { values: Tensor; indices: Tensor } {
  const { axis: a, outer, n, inner } = axisLayout(x.shape, axis, "topk axis");
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ArgumentError(`topk: k must be an integer in [0, ${n}] for axis ${axis} of [${x.shape.join(", ")}], got ${k}`);
  }
  const xv = x.toFloat32();
  const values = new Float32Array(outer * k * inner);
  const indices = new Int32Array(outer * k * inner);
  const row = new Float32Array(n);
  const order = new Array<number>(n);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      for (let i = 0; i < n; i++) {
        row[i] = xv[base + i * inner];
        order[i] = i;
      }
      order.sort((p, q) => {
        const vp = row[p];
        const vq = row[q];
        if (Number.isNaN(vp) || Number.isNaN(vq)) return Number(Number.isNaN(vq)) - Number(Number.isNaN(vp));
        return vq - vp || p - q; // descending value, then ascending index
      });
      const outBase = o * k * inner + j;
      for (let r = 0; r < k; r++) {
        values[outBase + r * inner] = row[order[r]];
        indices[outBase + r * inner] = order[r];
      }
    }
  }
  const shape = x.shape.map((d, i) => (i === a ? k : d));
  return { values: new Tensor("float32", shape, values), indices: new Tensor("int32", shape, indices) };
}
