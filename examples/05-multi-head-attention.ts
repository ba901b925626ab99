/**
 * 05-multi-head-attention.ts — multi-head attention step by step with tensor ops (project, split
 * heads, scores, mask, softmax, mix, concatenate, output), checked against core's `selfAttention`
 * run on the reference kernels (EagerOps) and built as one ONNX graph (runOps); draws each head's
 * attention map.
 *
 * Run: pnpm example 5        Lesson: docs/05-multi-head-attention.md
 */
import { EagerOps, Tensor, TensorParams, add, linear, matmul, maxAbsDiff, mul, randNormal, runOps, seededRng, softmax, sum } from "@paligemma-ts/tensor";
import { causalMask, selfAttention } from "@paligemma-ts/core";
import { heatmap, panels, savePng } from "@paligemma-ts/examples/plot";

const [B, T, hidden, H, D] = [1, 8, 32, 4, 8];
const rng = seededRng(5);
const x = randNormal([B, T, hidden], rng); // [B, T, hidden]
const weights: Record<string, Tensor> = {
  "q_proj.weight": randNormal([H * D, hidden], rng, 0.2), // [H*D, hidden]
  "k_proj.weight": randNormal([H * D, hidden], rng, 0.2),
  "v_proj.weight": randNormal([H * D, hidden], rng, 0.4),
  "o_proj.weight": randNormal([hidden, H * D], rng, 0.2), // [hidden, H*D]
};
const mask = causalMask(T); // [1, 1, T, T]
const show = (name: string, t: Tensor, note = "") => console.log(`${name.padEnd(34)} [${t.shape.join(", ")}]${note}`);

show("x", x);
// 1. Project: three Linear layers.
const q = linear(x, weights["q_proj.weight"]); // [B, T, H*D]
const k = linear(x, weights["k_proj.weight"]);
const v = linear(x, weights["v_proj.weight"]);
show("1. q = x Wq^T (k, v alike)", q);
// 2. Split heads: the H*D features become H heads of D, and heads move in front of time.
const split = (t: Tensor) => t.reshape([B, T, H, D]).permute([0, 2, 1, 3]); // [B, H, T, D]
const [qh, kh, vh] = [split(q), split(k), split(v)];
show("2. split heads", qh, "  (reshape [B, T, H, D], permute)");
// 3. Scores: every query against every key, per head, scaled by 1/sqrt(D).
const scores = mul(matmul(qh, kh.transpose(-2, -1)), Tensor.from([1 / Math.sqrt(D)])); // [B, H, T, T]
show("3. scores = q k^T / sqrt(D)", scores);
// 4. Mask and softmax over the keys.
const probs = softmax(add(scores, mask)); // [B, H, T, T]
show("4. softmax(scores + mask)", probs, `  max |row sum - 1| ${maxAbsDiff(sum(probs, -1), Tensor.full([B, H, T], 1)).toExponential(1)}`);
// 5. Mix: each query's output is a probability-weighted average of the values.
const mixed = matmul(probs, vh); // [B, H, T, D]
show("5. mix = probs v", mixed);
// 6. Concatenate the heads back into one vector per token.
const concat = mixed.permute([0, 2, 1, 3]).reshape([B, T, H * D]); // [B, T, H*D]
show("6. concatenate heads", concat, "  (permute back, reshape)");
// 7. Output projection mixes information across heads.
const y = linear(concat, weights["o_proj.weight"]); // [B, T, hidden]
show("7. y = concat Wo^T", y);

console.log(`\nquery 7, head 0 attends: [${Array.from({ length: T }, (_, j) => probs.get(0, 0, 7, j).toFixed(3)).join(", ")}]`);
console.log(`query 0 sees only itself in every head: ${[0, 1, 2, 3].every((h) => probs.get(0, h, 0, 0) === 1)}`);

// The same layer three ways: by hand above; core's selfAttention, which names its weights, run on the
// reference kernels (EagerOps); and the same function built into one ONNX graph (runOps "onnx").
const names = { q: { weight: "q_proj.weight" }, k: { weight: "k_proj.weight" }, v: { weight: "v_proj.weight" }, o: { weight: "o_proj.weight" } };
const heads = { numHeads: H, numKvHeads: H }; // scale defaults to 1/sqrt(D)
const viaCore = selfAttention(new EagerOps(new TensorParams(weights).get), x, names, heads, { mask }).output; // [B, T, hidden]
const viaOnnx = await runOps("onnx", (ops, t) => selfAttention(ops, t.x, names, heads, { mask: t.mask }).output, { x, mask }, weights);
console.log(`step by step vs core selfAttention: max |diff| ${maxAbsDiff(y, viaCore).toExponential(1)}`);
console.log(`step by step vs selfAttention as one ONNX graph: max |diff| ${maxAbsDiff(y, viaOnnx).toExponential(1)}`);

// The picture: one attention map per head (row = query, column = key, darker = more weight).
const maps = [0, 1, 2, 3].map((h) => ({ title: `head ${h}`, image: heatmap(probs.toFloat32().subarray(h * T * T, (h + 1) * T * T), T, T, { min: 0, max: 1, cell: 20 }) }));
console.log(`wrote ${await savePng(await panels(maps), "05-attention-heads.png")}`);
