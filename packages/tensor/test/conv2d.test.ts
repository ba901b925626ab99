import { describe, expect, it } from "vitest";
import { ArgumentError, ShapeError, Tensor, conv2d, linear, randNormal, seededRng } from "../src/index.ts";
import { expectClose, expectShape } from "./expect_close.ts";

/** Independent slow conv: pad the input explicitly, then slide. */
function slowConv(x: Tensor, w: Tensor, b: Tensor | null, s: number, p: number): { shape: number[]; values: number[] } {
  const [N, C, H, W] = x.shape;
  const [O, , kh, kw] = w.shape;
  const padded = (n: number, c: number, i: number, j: number) => (i < p || j < p || i >= H + p || j >= W + p ? 0 : x.get(n, c, i - p, j - p));
  const Ho = Math.floor((H + 2 * p - kh) / s) + 1;
  const Wo = Math.floor((W + 2 * p - kw) / s) + 1;
  const values: number[] = [];
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < Ho; i++)
        for (let j = 0; j < Wo; j++) {
          let acc = b ? b.get(o) : 0;
          for (let c = 0; c < C; c++) for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) acc += padded(n, c, i * s + u, j * s + v) * w.get(o, c, u, v);
          values.push(acc);
        }
  return { shape: [N, O, Ho, Wo], values };
}

describe("conv2d", () => {
  it("hand values: 2x2 box filter over a 3x3 ramp, stride 1, no padding", () => {
    const x = Tensor.arange(9).reshape([1, 1, 3, 3]);
    const y = conv2d(x, Tensor.full([1, 1, 2, 2], 1), Tensor.from([0.5]));
    expectShape(y, [1, 1, 2, 2]);
    expect(y.toArray()).toEqual([8.5, 12.5, 20.5, 24.5]);
  });
  it("padding 1 zero-pads the border", () => {
    const y = conv2d(Tensor.full([1, 1, 2, 2], 1), Tensor.full([1, 1, 3, 3], 1), null, { padding: 1 });
    expect(y.toArray()).toEqual([4, 4, 4, 4]);
  });
  it.each([
    [1, 0, [2, 3, 7, 6], [4, 3, 3, 3]],
    [2, 1, [1, 2, 8, 9], [3, 2, 3, 2]],
    [3, 2, [2, 1, 5, 5], [2, 1, 1, 3]],
  ])("stride %i padding %i, x %j w %j matches the slow formula", (s, p, xs, ws) => {
    const rng = seededRng(41 + s);
    const x = randNormal(xs, rng);
    const w = randNormal(ws, rng);
    const b = randNormal([ws[0]], rng);
    const y = conv2d(x, w, b, { stride: s, padding: p });
    const ref = slowConv(x, w, b, s, p);
    expectShape(y, ref.shape);
    expectClose(y, ref.values, 1e-5, `conv s${s} p${p}`);
  });
  it("a patch embedding (kernel = stride = patch) is a linear layer on flattened patches", () => {
    const rng = seededRng(44);
    const x = randNormal([1, 3, 8, 8], rng);
    const w = randNormal([5, 3, 4, 4], rng);
    const y = conv2d(x, w, null, { stride: 4 }); // [1, 5, 2, 2]
    expectShape(y, [1, 5, 2, 2]);
    // patch (1, 0): rows 4..7, cols 0..3 of every channel, flattened c-major like the weight
    const patch = x.slice(2, 4, 8).slice(3, 0, 4).reshape([1, 48]);
    expectClose(linear(patch, w.reshape([5, 48])), [0, 1, 2, 3, 4].map((o) => y.get(0, o, 1, 0)), 1e-5, "patch embed");
  });
  it("accepts [sh, sw] pairs and rejects bad shapes and strides", () => {
    expectShape(conv2d(Tensor.zeros([1, 1, 5, 6]), Tensor.zeros([1, 1, 1, 1]), null, { stride: [2, 3], padding: [0, 1] }), [1, 1, 3, 3]);
    expect(() => conv2d(Tensor.zeros([1, 2, 4, 4]), Tensor.zeros([1, 3, 2, 2]), null)).toThrow(/2 channels/);
    expect(() => conv2d(Tensor.zeros([2, 4, 4]), Tensor.zeros([1, 2, 2, 2]), null)).toThrow(ShapeError);
    expect(() => conv2d(Tensor.zeros([1, 1, 2, 2]), Tensor.zeros([1, 1, 3, 3]), null)).toThrow(/larger than padded input/);
    expect(() => conv2d(Tensor.zeros([1, 1, 2, 2]), Tensor.zeros([1, 1, 1, 1]), null, { stride: 0 })).toThrow(ArgumentError);
    expect(() => conv2d(Tensor.zeros([1, 1, 2, 2]), Tensor.zeros([2, 1, 1, 1]), Tensor.zeros([3]))).toThrow(/bias must be \[2\]/);
  });
});
