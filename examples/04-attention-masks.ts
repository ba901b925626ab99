/**
 * 04-attention-masks.ts — causal, bidirectional, prefix-LM and padding masks: build them, print
 * them, draw them side by side, and check what each one guarantees about information flow.
 *
 * Run: pnpm example 4        Lesson: docs/04-attention-masks.md
 */
import { type Tensor, maxAbsDiff, randNormal, runOps, scaledDotProductAttention, seededRng } from "@paligemma-ts/tensor";
import { attentionMask, bidirectionalMask, causalMask, prefixLmMask } from "@paligemma-ts/core";
import { heatmap, panels, savePng } from "@paligemma-ts/examples/plot";

const T = 8;
const prefix = 5; // e.g. 3 image tokens + <bos> + 1 prompt token; the last 3 slots are the answer
const pad = 2; // a second row of the batch, left-padded by 2 slots
const masks: [string, Tensor][] = [
  ["causal", causalMask(T)],
  ["bidirectional", bidirectionalMask(T)],
  [`prefix-LM (prefix ${prefix})`, prefixLmMask(T, prefix)],
  [`prefix-LM + ${pad} left pads`, attentionMask({ queryLength: T, prefixEnd: prefix, keyMask: [Array.from({ length: T }, (_, j) => (j < pad ? 0 : 1))] })],
];

// 1. Print each mask [1, 1, T, T]: row i = query slot i, column j = key slot j; x = may attend.
for (const [name, m] of masks) {
  console.log(`${name}: shape [${m.shape}]`);
  const v = m.toFloat32();
  for (let i = 0; i < T; i++) console.log(`  q${i} ${Array.from(v.subarray(i * T, (i + 1) * T), (s) => (s === 0 ? "x" : ".")).join("")}`);
}

// 2. What each mask guarantees: change token j's key/value and see which outputs move.
const rng = seededRng(4);
const [q, k, v] = [randNormal([1, 2, T, 4], rng), randNormal([1, 2, T, 4], rng), randNormal([1, 2, T, 4], rng)];
function perturbed(x: Tensor, j: number): Tensor {
  const y = x.clone();
  for (let h = 0; h < 2; h++) for (let d = 0; d < 4; d++) (y.data as Float32Array)[(h * T + j) * 4 + d] += 1;
  return y;
}
/** Query slots whose attention output changes when key/value slot j changes. */
function affected(mask: Tensor, j: number): number[] {
  const a = scaledDotProductAttention(q, k, v, mask);
  const b = scaledDotProductAttention(q, perturbed(k, j), perturbed(v, j), mask);
  return [...Array(T).keys()].filter((i) => maxAbsDiff(a.slice(2, i, i + 1), b.slice(2, i, i + 1)) > 0);
}
console.log("");
for (const [name, m] of masks.slice(0, 3)) {
  for (const j of [2, 6]) console.log(`${name}: changing token ${j} changes outputs at slots [${affected(m, j)}]`);
}
const [padName, padded] = masks[3];
console.log(`${padName}: changing pad token 1 changes outputs at slots [${affected(padded, 1)}]`);
const causalPadded = attentionMask({ queryLength: T, keyMask: [Array.from({ length: T }, (_, j) => (j < pad ? 0 : 1))] });
const out = scaledDotProductAttention(q, k, v, causalPadded); // query slots 0-1 are pads and, causally, see only pads
const zeros = maxAbsDiff(out.slice(2, 0, pad), new Float32Array(2 * pad * 4)) === 0;
console.log(`causal + ${pad} left pads: query slots 0-${pad - 1} see no key at all -> output ${zeros ? "all zeros (not NaN)" : "NOT zero"}`);

// 3. The ONNX Attention kernel applies the same additive masks. `ops.attention` takes the layout a
//    projection produces, [B, T, heads * D], so the heads are merged back first.
const merge = (t: Tensor) => t.permute([0, 2, 1, 3]).reshape([1, T, 2 * 4]); // [B, H, T, D] -> [B, T, H*D]
let worst = 0;
for (const m of [...masks.map(([, m]) => m), causalPadded]) {
  const onnx = await runOps("onnx", (ops, x) => ops.attention(x.q, x.k, x.v, x.mask, { numHeads: 2, numKvHeads: 2 }), { q: merge(q), k: merge(k), v: merge(v), mask: m });
  worst = Math.max(worst, maxAbsDiff(onnx, merge(scaledDotProductAttention(q, k, v, m))));
}
console.log(`onnx Attention vs reference, all 5 masks: max |diff| ${worst.toExponential(1)}`);

// 4. The picture: blue = attended, grey = blocked.
const img = await panels(masks.map(([title, m]) => ({ title, image: heatmap(m.toFloat32(), T, T, { colormap: "mask", cell: 22 }) })));
console.log(`wrote ${await savePng(img, "04-attention-masks.png")}`);
