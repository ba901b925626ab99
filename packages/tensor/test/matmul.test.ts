import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, matmul, randNormal, seededRng } from "../src/index.ts";
import { expectClose, expectShape } from "./expect_close.ts";

/** Independent slow matmul: index arithmetic through Tensor.get, batch dims broadcast by hand. */
function slowMatmul(a: Tensor, b: Tensor, batch: number[]): number[] {
  const [M, K] = a.shape.slice(-2);
  const N = b.shape[b.rank - 1];
  const out: number[] = [];
  const pick = (t: Tensor, idx: number[]) => {
    const lead = t.rank - 2;
    return idx.slice(idx.length - lead).map((x, d) => (t.shape[d] === 1 ? 0 : x));
  };
  const total = batch.reduce((p, d) => p * d, 1);
  for (let f = 0; f < total; f++) {
    const idx: number[] = [];
    let r = f;
    for (let d = batch.length - 1; d >= 0; d--) {
      idx.unshift(r % batch[d]);
      r = Math.floor(r / batch[d]);
    }
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a.get(...pick(a, idx), i, k) * b.get(...pick(b, idx), k, j);
        out.push(s);
      }
    }
  }
  return out;
}

describe("matmul", () => {
  it("2x3 @ 3x2 by hand", () => {
    const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = Tensor.from([7, 8, 9, 10, 11, 12], [3, 2]);
    const c = matmul(a, b);
    expectShape(c, [2, 2]);
    expect(c.toArray()).toEqual([58, 64, 139, 154]);
  });
  it.each([
    [[3, 4], [4, 5], []],
    [[2, 3, 4], [2, 4, 5], [2]],
    [[2, 1, 3, 4], [3, 4, 5], [2, 3]], // batch broadcast both ways
    [[1, 4], [6, 4, 2], [6]],
    [[2, 2, 1, 7], [1, 7, 1], [2, 2]], // M = 1, N = 1
  ])("random %j @ %j matches the slow formula", (sa, sb, batch) => {
    const rng = seededRng(7);
    const a = randNormal(sa, rng);
    const b = randNormal(sb, rng);
    const c = matmul(a, b);
    expectShape(c, [...batch, sa[sa.length - 2], sb[sb.length - 1]]);
    expectClose(c, slowMatmul(a, b, batch), 1e-5, `matmul ${sa}@${sb}`);
  });
  it("handles K = 0 (all zeros) and f16 inputs", () => {
    expect(matmul(Tensor.zeros([2, 0]), Tensor.zeros([0, 3])).toArray()).toEqual([0, 0, 0, 0, 0, 0]);
    const a = Tensor.fromValues([1, 2, 3, 4], [2, 2], "float16");
    expect(matmul(a, a).toArray()).toEqual([7, 10, 15, 22]);
  });
  it("rejects rank < 2, mismatched K and non-broadcasting batches", () => {
    expect(() => matmul(Tensor.zeros([3]), Tensor.zeros([3, 2]))).toThrow(ShapeError);
    expect(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 2]))).toThrow(/inner dimensions differ.*3 vs 4/);
    expect(() => matmul(Tensor.zeros([2, 2, 3]), Tensor.zeros([3, 3, 2]))).toThrow(/batch dimensions/);
  });
});
