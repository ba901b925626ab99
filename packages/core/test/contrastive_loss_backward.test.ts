// Tests for the contrastive losses' gradients: similarity_logits_backward.ts, clip_loss_backward.ts,
// siglip_loss_backward.ts, each against finite differences of its forward (embeddings, t, b).
import { ShapeError, Tensor, randNormal, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { clipLoss, clipLossBackward, l2NormalizeRows, l2NormalizeRowsBackward, siglipLoss, siglipLossBackward, similarityLogits, similarityLogitsBackward } from "../src/index.ts";
import { expectGrad } from "./grad_expect.ts";

const scalar = (v: number) => Tensor.from([v], []);
// dL/dt is small next to L itself (L ~ t * cos), so float32 rounding / h dominates its finite
// difference at 1% steps (measured 6e-5 on the logits); t and b get 5% steps (the logits are linear
// in them, the losses smooth), the embeddings keep 1% (larger steps there meet the O(h^4) truncation).
const STEP = { step: [1e-2, 1e-2, 5e-2, 5e-2] };

describe("l2NormalizeRowsBackward and similarityLogitsBackward", () => {
  it("l2NormalizeRows matches finite differences; the gradient is tangent (x . dx = 0)", () => {
    const x = randNormal([3, 5], seededRng(1), 2);
    expectGrad("l2NormalizeRows", ([xx]) => l2NormalizeRows(xx), ([xx], g) => [l2NormalizeRowsBackward(g, xx)], [x]);
    const dx = l2NormalizeRowsBackward(randNormal([3, 5], seededRng(2)), x).toArray();
    for (let i = 0; i < 3; i++) expect(Math.abs(dx.slice(5 * i, 5 * i + 5).reduce((s, v, d) => s + v * x.toArray()[5 * i + d], 0))).toBeLessThan(1e-6);
  });
  it.each([
    [3, 2, 4],
    [1, 4, 3],
    [2, 2, 1],
  ])("similarityLogits N_img %i N_txt %i D %i: embeddings, t and b", (Ni, Nt, D) => {
    const rng = seededRng(Ni * 100 + Nt * 10 + D);
    expectGrad(`similarityLogits [${Ni}, ${Nt}, ${D}]`, ([i, t, s, b]) => similarityLogits(i, t, s.item(), b.item()), ([i, t, s], g) => {
      const r = similarityLogitsBackward(g, i, t, s.item());
      return [r.dImageEmbeds, r.dTextEmbeds, scalar(r.dScale), scalar(r.dBias)];
    }, [randNormal([Ni, D], rng), randNormal([Nt, D], rng), scalar(3.5), scalar(-1.2)], undefined, STEP);
  });
});

describe.each([
  { N: 4, D: 3, t: 2 },
  { N: 3, D: 5, t: 10 },
  { N: 2, D: 1, t: 0.5 },
  { N: 1, D: 4, t: 1 },
])("clipLossBackward and siglipLossBackward, N $N D $D t $t", ({ N, D, t }) => {
  const rng = seededRng(N * 10 + D);
  const img = randNormal([N, D], rng);
  const txt = randNormal([N, D], rng);
  it("CLIP: image embeds, text embeds, logit scale", () => {
    expectGrad(`clipLoss N ${N} D ${D} t ${t}`, ([i, x, s]) => scalar(clipLoss(i, x, s.item()).loss), ([i, x, s], g) => {
      const r = clipLossBackward(i, x, s.item(), g.item());
      return [r.dImageEmbeds, r.dTextEmbeds, scalar(r.dLogitScale)];
    }, [img, txt, scalar(t)], undefined, STEP);
  });
  it("SigLIP: image embeds, text embeds, t, b", () => {
    expectGrad(`siglipLoss N ${N} D ${D} t ${t}`, ([i, x, s, b]) => scalar(siglipLoss(i, x, s.item(), b.item()).loss), ([i, x, s, b], g) => {
      const r = siglipLossBackward(i, x, s.item(), b.item(), g.item());
      return [r.dImageEmbeds, r.dTextEmbeds, scalar(r.dt), scalar(r.db)];
    }, [img, txt, scalar(t), scalar(-0.7)], undefined, STEP);
  });
});

describe("contrastive backward edge cases", () => {
  it("CLIP with one pair has loss 0 and zero gradients", () => {
    const r = clipLossBackward(Tensor.from([1, 2], [1, 2]), Tensor.from([3, -1], [1, 2]), 5);
    expect([...r.dImageEmbeds.toArray(), ...r.dTextEmbeds.toArray(), r.dLogitScale].map(Math.abs)).toEqual([0, 0, 0, 0, 0]);
  });
  it("rejects mismatched pairs and dlogits of the wrong shape", () => {
    expect(() => clipLossBackward(Tensor.zeros([2, 3]), Tensor.zeros([3, 3]), 1)).toThrow(ShapeError);
    expect(() => siglipLossBackward(Tensor.zeros([2, 3]), Tensor.zeros([2, 4]), 1, 0)).toThrow(ShapeError);
    expect(() => similarityLogitsBackward(Tensor.zeros([2, 2]), randNormal([2, 3], seededRng(1)), randNormal([3, 3], seededRng(2)), 1)).toThrow(/\[2, 3\]/);
  });
});
