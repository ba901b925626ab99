/**
 * 14-contrastive-losses.ts — how SigLIP's image encoder was trained: CLIP's softmax loss (each
 * image must pick its caption out of the batch, and each caption its image) vs SigLIP's sigmoid loss
 * (every image-text pair is its own yes/no question), on a toy batch of 4 pairs. Both losses are
 * recomputed by hand from the similarity matrix and compared with @paligemma-ts/core.
 *
 * Run: pnpm example 14       Lesson: docs/14-contrastive-losses.md
 */
import { Tensor, add, randNormal, seededRng, softmax, softplus } from "@paligemma-ts/tensor";
import { clipLoss, l2NormalizeRows, siglipLoss, similarityLogits } from "@paligemma-ts/core";
import { heatmap, panels, savePng } from "@paligemma-ts/examples/plot";

const N = 4; // pairs in the batch
const D = 8; // embedding width
const rng = seededRng(14);
const images = randNormal([N, D], rng); // image tower outputs, one row per image
const texts = add(images, randNormal([N, D], rng, 0.8)); // caption i is close to image i, plus noise

const fmt = (v: number) => v.toFixed(3).padStart(7);
const printMatrix = (name: string, m: Tensor) => {
  console.log(`${name}`);
  for (let i = 0; i < N; i++) console.log(`  img${i} ${Array.from({ length: N }, (_, j) => fmt(m.get(i, j))).join("")}`);
};

// 1. The similarity matrix: L2-normalize each row, then every pair's cosine at once: I T^T.
const I = l2NormalizeRows(images); // [N, D], unit rows
const T = l2NormalizeRows(texts); // [N, D]
const cos = similarityLogits(images, texts, 1, 0); // [N, N] = I T^T
console.log(`images [${images.shape}], texts [${texts.shape}] -> cosine matrix I T^T [${cos.shape}] (diagonal = matching pairs)`);
printMatrix("         txt0   txt1   txt2   txt3", cos);

// 2. CLIP: logits = t * cos; softmax over each row (image -> which text?) and each column
//    (text -> which image?); cross-entropy with the diagonal as targets; average the two.
const tClip = 1 / 0.07; // CLIP's initial temperature (learned as log t)
const clip = clipLoss(images, texts, tClip);
const rowP = softmax(clip.logits, -1); // [N, N], rows sum to 1
const colP = softmax(clip.logits, 0); // [N, N], columns sum to 1
let ceRows = 0;
let ceCols = 0;
for (let i = 0; i < N; i++) {
  ceRows -= Math.log(rowP.get(i, i)) / N;
  ceCols -= Math.log(colP.get(i, i)) / N;
}
console.log(`\nCLIP, t = 1/0.07 = ${tClip.toFixed(2)}: p(text j | image i) = softmax over the row`);
printMatrix("         txt0   txt1   txt2   txt3", rowP);
console.log(`image->text CE ${ceRows.toFixed(4)}, text->image CE ${ceCols.toFixed(4)}, mean ${((ceRows + ceCols) / 2).toFixed(4)}; clipLoss ${clip.loss.toFixed(4)}`);

// 3. SigLIP: logits = t * cos + b; each entry is a binary question "do these match?":
//    label +1 on the diagonal, -1 elsewhere; loss = -(1/N) sum_ij log sigmoid(label_ij * logit_ij).
const [tSig, bSig] = [20, -10]; // learned values (SigLIP starts training at t = 10, b = -10)
const sig = siglipLoss(images, texts, tSig, bSig);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const pMatch = new Tensor("float32", [N, N], (sig.logits.data as Float32Array).map(sigmoid));
let byHand = 0;
for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) byHand += softplus(-(i === j ? 1 : -1) * sig.logits.get(i, j)) / N; // -log sigmoid(z s) = softplus(-z s)
console.log(`\nSigLIP, t = ${tSig}, b = ${bSig}: p(match) = sigmoid(t * cos + b), each entry on its own`);
printMatrix("         txt0   txt1   txt2   txt3", pMatch);
console.log(`-(1/N) sum log sigmoid(z * logit) = ${byHand.toFixed(4)}; siglipLoss ${sig.loss.toFixed(4)}`);

// 4. Coupling: move caption 3 toward image 0. CLIP's p(txt0 | img0) drops although pair (0, 0) did
//    not change (the softmax normalizes over the batch); SigLIP's p(match 0,0) stays exactly the same.
const texts2 = texts.clone();
for (let d = 0; d < D; d++) (texts2.data as Float32Array)[3 * D + d] = 0.5 * T.get(3, d) + 2 * I.get(0, d);
const clip2 = softmax(clipLoss(images, texts2, tClip).logits, -1);
const sig2 = siglipLoss(images, texts2, tSig, bSig).logits;
console.log(`\ncaption 3 moved toward image 0:`);
console.log(`  CLIP   p(txt0 | img0): ${rowP.get(0, 0).toFixed(4)} -> ${clip2.get(0, 0).toFixed(4)}   (coupled through the row's softmax)`);
console.log(`  SigLIP p(match 0,0)  : ${pMatch.get(0, 0).toFixed(4)} -> ${sigmoid(sig2.get(0, 0)).toFixed(4)}   (independent of the other pairs)`);

// 5. Temperature and bias are learned. A batch has N positives but N^2 - N negatives. At the start
//    embeddings are random (cos ~ 0, so logit ~ b) and the loss is softplus(-b) + (N - 1) softplus(b):
//    with b = 0 the negatives dominate (N log 2); b = -10 starts them near 0. Later the best b depends
//    on the data, so it is a parameter, like t.
console.log("");
for (const n of [4, 32768]) {
  console.log(`at init, N = ${n}: b = 0 -> loss ${(softplus(0) + (n - 1) * softplus(0)).toFixed(2)}; b = -10 -> loss ${(softplus(10) + (n - 1) * softplus(-10)).toFixed(2)}`);
}
console.log(`this batch, t = ${tSig}: ${[0, -5, -10, -15].map((b) => `b = ${b}: ${siglipLoss(images, texts, tSig, b).loss.toFixed(4)}`).join(", ")}`);
console.log(`CLIP loss at chance (all logits equal) = log N = ${Math.log(N).toFixed(4)}; for N = 32768: ${Math.log(32768).toFixed(2)}`);

// 6. The picture: cosine matrix, CLIP row softmax, SigLIP sigmoids.
const png = await panels([
  { title: "cosine I T^T", image: heatmap(cos.toFloat32(), N, N, { colormap: "diverging", cell: 40 }) },
  { title: "CLIP row softmax", image: heatmap(rowP.toFloat32(), N, N, { min: 0, max: 1, cell: 40 }) },
  { title: "SigLIP sigmoid", image: heatmap(pMatch.toFloat32(), N, N, { min: 0, max: 1, cell: 40 }) },
]);
console.log(`wrote ${await savePng(png, "14-contrastive-losses.png")}`);
