// seededRng: reproducible streams, one per seed in [0, 2^32 - 1], and refused seeds instead of aliases.
import { describe, expect, it } from "vitest";
import { ArgumentError, MAX_SEED, PaliGemmaError, assertSeed, errorOf, seededRng } from "../src/index.ts";

const draw = (seed: number, n = 8) => {
  const rng = seededRng(seed);
  return Array.from({ length: n }, () => rng());
};

describe("seededRng", () => {
  it("reproduces a stream and gives different seeds different streams", () => {
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw(0)).not.toEqual(draw(MAX_SEED));
    for (const x of draw(123, 1000)) expect(x >= 0 && x < 1).toBe(true);
  });

  it("accepts the whole documented range [0, 2^32 - 1]", () => {
    expect(MAX_SEED).toBe(2 ** 32 - 1);
    expect(() => seededRng(0)).not.toThrow();
    expect(() => seededRng(MAX_SEED)).not.toThrow();
  });

  it.each([2 ** 32, 2 ** 32 + 5, -1, -(2 ** 32), 1.5, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER])(
    "refuses seed %d with an ArgumentError naming the seed (no silent mod 2^32 alias)",
    (seed) => {
      const err = errorOf(() => seededRng(seed));
      expect(err).toBeInstanceOf(ArgumentError);
      expect(err).toBeInstanceOf(PaliGemmaError);
      expect((err as Error).message).toMatch(/seed must be an integer in \[0, 4294967295\]/);
      expect((err as Error).message).toContain(String(seed));
    },
  );

  it("assertSeed names its caller", () => {
    expect(() => assertSeed(-3, "generate")).toThrow(/^generate: seed/);
  });
});
