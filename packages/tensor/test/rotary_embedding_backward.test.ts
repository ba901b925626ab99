import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, randNormal, randUniform, rotaryEmbedding, rotaryEmbeddingBackward, seededRng } from "../src/index.ts";
import { expectClose } from "./expect_close.ts";
import { expectGrad } from "./grad_expect.ts";

/** cos/sin half tables [B, T, D/2] of random angles (the layout core's rotaryTables produces). */
function tables(B: number, T: number, half: number, seed: number): { cos: Tensor; sin: Tensor } {
  const angles = randUniform([B, T, half], seededRng(seed), -10, 10).toArray();
  return { cos: Tensor.from(angles.map(Math.cos), [B, T, half]), sin: Tensor.from(angles.map(Math.sin), [B, T, half]) };
}

describe.each([
  { B: 2, T: 3, H: 2, D: 4 },
  { B: 1, T: 5, H: 1, D: 2 },
  { B: 1, T: 1, H: 3, D: 8 },
  { B: 3, T: 2, H: 4, D: 6 },
])("rotaryEmbeddingBackward B $B T $T H $H D $D", ({ B, T, H, D }) => {
  const { cos, sin } = tables(B, T, D / 2, B * 100 + T * 10 + D);
  const x = randNormal([B, T, H * D], seededRng(H + D));
  it("matches finite differences", () => {
    expectGrad(`rope B ${B} T ${T} H ${H} D ${D}`, ([xx]) => rotaryEmbedding(xx, cos, sin, H), (_x, g) => [rotaryEmbeddingBackward(g, cos, sin, H)], [x]);
  });
  it("is the inverse rotation: backward(forward(x)) = x", () => {
    expectClose(rotaryEmbeddingBackward(rotaryEmbedding(x, cos, sin, H), cos, sin, H), x, 1e-5, "inverse");
  });
});

describe("rotaryEmbeddingBackward", () => {
  it("rejects tables that do not fit", () => {
    expect(() => rotaryEmbeddingBackward(Tensor.zeros([1, 2, 8]), Tensor.zeros([1, 2, 2]), Tensor.zeros([1, 2, 2]), 1)).toThrow(ShapeError);
    expect(() => rotaryEmbeddingBackward(Tensor.zeros([1, 2, 4]), Tensor.zeros([1, 2, 2]), Tensor.zeros([2, 2]), 1)).toThrow(/sin must be \[B, T, D\/2\]/);
  });
});
