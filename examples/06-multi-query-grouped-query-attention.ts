/**
 * 06-multi-query-grouped-query-attention.ts — H query heads share Hkv key/value heads: multi-head
 * (Hkv = H), grouped-query (1 < Hkv < H, PaliGemma 2) and multi-query (Hkv = 1, PaliGemma 1).
 * What it saves (K/V weights, KV cache, bytes read per decode step), what it does not (score FLOPs),
 * and a check that GQA is exactly MHA with each K/V head repeated H / Hkv times.
 *
 * Run: pnpm example 6        Lesson: docs/06-multi-query-grouped-query-attention.md
 */
import { type Tensor, maxAbsDiff, randNormal, runOps, scaledDotProductAttention, seededRng } from "@paligemma-ts/tensor";
import { causalMask } from "@paligemma-ts/core";

// 1. Costs at Gemma-2B shape (PaliGemma 1's decoder): hidden 2048, 8 query heads of 256, 18 layers.
const [hidden, H, D, L, ctx] = [2048, 8, 256, 18, 1024];
const MiB = 2 ** 20;
console.log(`hidden ${hidden}, H ${H} query heads, head_dim ${D}, ${L} layers, context ${ctx}, bf16 (2 bytes)`);
console.log("Hkv  kind        k+v proj params/layer  KV cache/token  KV read per decode step  attention FLOPs/step");
for (const Hkv of [8, 4, 2, 1]) {
  const kind = Hkv === H ? "multi-head" : Hkv === 1 ? "multi-query" : "grouped";
  const kvParams = 2 * hidden * Hkv * D; // k_proj + v_proj weights
  const perToken = 2 * L * Hkv * D * 2; // k and v, every layer, bf16
  const readPerStep = perToken * ctx; // a decode step reads the whole cache once
  const flops = 2 * 2 * H * ctx * D * L; // q.k and p.v for every query head: independent of Hkv
  console.log(`${String(Hkv).padEnd(4)} ${kind.padEnd(11)} ${kvParams.toLocaleString("en-US").padStart(21)}  ${(perToken / 1024).toFixed(0).padStart(10)} KiB  ${(readPerStep / MiB).toFixed(0).padStart(19)} MiB  ${(flops / 1e6).toFixed(0).padStart(13)} M`);
}

// 2. Which K/V head does each query head read? g = floor(h / (H / Hkv)).
for (const Hkv of [8, 4, 2, 1]) console.log(`Hkv ${Hkv}: query head -> kv head [${[...Array(H).keys()].map((h) => Math.floor(h / (H / Hkv)))}]`);

// 3. GQA == MHA with repeated K/V heads (exactly: the same numbers meet in the same order).
const T = 6;
const rng = seededRng(6);
const q = randNormal([1, H, T, 16], rng); // [B, H, T, D] (small D for the demo)
const mask = causalMask(T);
/** repeat_kv: [B, Hkv, T, D] -> [B, H, T, D], kv head g copied to query heads g*n .. g*n + n - 1. */
const repeatKv = (t: Tensor, n: number): Tensor => t.gather([...Array(t.shape[1] * n).keys()].map((h) => Math.floor(h / n)), 1);
/** [B, heads, T, D] -> [B, T, heads * D]: the layout a projection produces, which ops.attention takes. */
const merge = (t: Tensor): Tensor => t.permute([0, 2, 1, 3]).reshape([t.shape[0], t.shape[2], t.shape[1] * t.shape[3]]);
for (const Hkv of [4, 2, 1]) {
  const k = randNormal([1, Hkv, T, 16], rng);
  const v = randNormal([1, Hkv, T, 16], rng);
  const gqa = scaledDotProductAttention(q, k, v, mask); // [1, H, T, 16]
  const mha = scaledDotProductAttention(q, repeatKv(k, H / Hkv), repeatKv(v, H / Hkv), mask);
  const onnx = await runOps("onnx", (ops, x) => ops.attention(x.q, x.k, x.v, x.mask, { numHeads: H, numKvHeads: Hkv }), { q: merge(q), k: merge(k), v: merge(v), mask }); // [1, T, H*16]
  console.log(`Hkv ${Hkv}: k [${k.shape}] -> out [${gqa.shape}]; equals MHA on repeated k/v: max |diff| = ${maxAbsDiff(gqa, mha)}; onnx vs reference: max |diff| ${maxAbsDiff(onnx, merge(gqa)).toExponential(1)}`);
}

// 4. The two real decoders.
for (const [name, layers, hkv] of [["PaliGemma 1 (Gemma 2B)", 18, 1], ["PaliGemma 2 3B (Gemma 2 2B)", 26, 4]] as const) {
  console.log(`${name}: ${H} query heads, ${hkv} kv head${hkv > 1 ? "s" : ""}, ${layers} layers -> ${2 * layers * hkv * D * 2} bytes of bf16 KV cache per token`);
}
