/**
 * contrastive_losses.test.ts — CLIP's and SigLIP's losses composed from Ops, on both implementations,
 * against core's plain-loop losses (the reference) on random embeddings, incl. N = 1, large
 * temperatures (t = 100: logits of +-100 where a naive log(sigmoid) overflows) and a bias.
 */
import { clipLoss, siglipLoss } from "@paligemma-ts/core";
import { Tensor, randNormal, releaseAllSessions, runOps, seededRng } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { clipLossOps, siglipLossOps } from "../src/index.ts";

afterAll(() => releaseAllSessions());

const eye = (n: number) => Tensor.from(Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)), [n, n]);

describe.each(["reference", "onnx"] as const)("contrastive losses with %s ops", (kind) => {
  const rng = seededRng(4);
  it.each([[1, 8, 10, -10], [4, 16, 1, 0], [6, 5, 100, -3]])("N %i, D %i, t %f, b %f: equal to core's clipLoss and siglipLoss (rtol 1e-5)", async (N, D, t, b) => {
    const img = randNormal([N, D], rng);
    const txt = randNormal([N, D], rng);
    const inputs = { img, txt, logScale: Tensor.from([Math.log(t)]), bias: Tensor.from([b]), eye: eye(N) };
    const clip = (await runOps(kind, (ops, x) => clipLossOps(ops, x.img, x.txt, x.logScale, x.eye, N), inputs)).item();
    const sig = (await runOps(kind, (ops, x) => siglipLossOps(ops, x.img, x.txt, x.logScale, x.bias, x.eye, N), inputs)).item();
    const wantClip = clipLoss(img, txt, t).loss;
    const wantSig = siglipLoss(img, txt, t, b).loss;
    console.log(`${kind} N=${N} t=${t}: clip ${clip} vs ${wantClip}; siglip ${sig} vs ${wantSig}`);
    expect(Math.abs(clip - wantClip)).toBeLessThan(1e-5 * Math.max(1, Math.abs(wantClip)));
    expect(Math.abs(sig - wantSig)).toBeLessThan(1e-5 * Math.max(1, Math.abs(wantSig)));
  });
});
