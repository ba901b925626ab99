/** helpers.ts — small shared test utilities: random weights and nested-array conversion. */
import { type Rng, Tensor, randNormal } from "@paligemma-ts/tensor";

export function randMatrix(rows: number, cols: number, rng: Rng, std = 0.3): Tensor {
  return randNormal([rows, cols], rng, std);
}

/** Tensor [A, B] -> number[][] ; [A, B, C] -> number[][][] */
export function nested(t: Tensor): any {
  const v = t.toArray();
  const build = (dim: number, off: number): any => {
    if (dim === t.rank - 1) return v.slice(off, off + t.shape[dim]);
    const stride = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: t.shape[dim] }, (_, i) => build(dim + 1, off + i * stride));
  };
  return build(0, 0);
}
