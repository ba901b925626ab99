/**
 * 10-kv-cache.ts — prefill vs token-by-token decode with a KV cache: what is cached (each layer's
 * rotated keys and values), how many bytes that is per token for the real PaliGemma shapes, and a
 * check on a small random decoder that cached decoding gives the same logits and tokens as
 * recomputing the whole sequence every step.
 *
 * Run: pnpm example 10       Lesson: docs/10-kv-cache.md
 */
import { EagerOps, Tensor, TensorParams, argmax, embedding, maxAbsDiff, randNormal, seededRng } from "@paligemma-ts/tensor";
import { KVCache, attentionMask, gatedMlp, prefixLmMask, rotaryTables, selfAttention, tiedLmHead } from "@paligemma-ts/core";
import { barChart, panels, savePng } from "@paligemma-ts/examples/plot";

// 1. Bytes per token: 2 (k and v) x layers x kv heads x head_dim x bytes per value.
const models = [
  { name: "paligemma-3b (PaliGemma 1)", layers: 18, kvHeads: 1, headDim: 256 },
  { name: "paligemma2-3b (PaliGemma 2)", layers: 26, kvHeads: 4, headDim: 256 },
];
const perToken: number[] = [];
for (const m of models) {
  const cache = new KVCache({ numLayers: m.layers, batch: 1, numKvHeads: m.kvHeads, headDim: m.headDim, maxLength: 16 });
  const bytes = cache.layers.reduce((s, l) => s + l.keys.byteLength + l.values.byteLength, 0) / 16; // measured on the Float32Arrays
  perToken.push(bytes);
  console.log(`${m.name}: ${m.layers} layers x ${m.kvHeads} kv head x ${m.headDim} x 2 (k, v): ${bytes} bytes/token in float32 (measured), ${bytes / 2} in bf16`);
}
console.log("tokens = image tokens + 64 text tokens      PaliGemma 1 (f32)   PaliGemma 2 (f32)");
for (const [res, img] of [[224, 256], [448, 1024], [896, 4096]]) {
  const n = img + 64;
  console.log(`${res}px: ${String(n).padStart(4)} tokens ${" ".repeat(24)}${(perToken[0] * n / 2 ** 20).toFixed(1).padStart(9)} MiB ${(perToken[1] * n / 2 ** 20).toFixed(1).padStart(15)} MiB`);
}

// 2. A small random decoder: 2 layers, hidden 32, 4 query heads, 2 kv heads of 8, vocab 50; its
//    weights under Gemma's names, run on the reference kernels (EagerOps).
const [V, hidden, H, Hkv, D, I, L] = [50, 32, 4, 2, 8, 64, 2];
const rng = seededRng(10);
const rnd = (shape: number[], std = 0.4) => randNormal(shape, rng, std);
const weights: Record<string, Tensor> = { "embed_tokens.weight": rnd([V, hidden], 0.3) };
for (let l = 0; l < L; l++) {
  const shapes: [string, number[], number?][] = [
    ["input_layernorm", [hidden], 0.1], ["self_attn.q_proj", [H * D, hidden]], ["self_attn.k_proj", [Hkv * D, hidden]], ["self_attn.v_proj", [Hkv * D, hidden]],
    ["self_attn.o_proj", [hidden, H * D]], ["post_attention_layernorm", [hidden], 0.1], ["mlp.gate_proj", [I, hidden]], ["mlp.up_proj", [I, hidden]], ["mlp.down_proj", [hidden, I]],
  ];
  for (const [name, shape, std] of shapes) weights[`layers.${l}.${name}.weight`] = rnd(shape, std);
}
weights["norm.weight"] = rnd([hidden], 0.1);
const ops = new EagerOps(new TensorParams(weights).get);
const lin = (l: number, name: string) => ({ weight: `layers.${l}.${name}.weight` });
let projected = 0; // tokens pushed through the q/k/v projections: the work the cache saves

/** Logits [1, T, V] for `ids` sitting at cache slots start .. start + T - 1. */
function forward(ids: number[], start: number, mask: Tensor, cache: KVCache | null): Tensor {
  projected += ids.length;
  const rope = rotaryTables(ids.map((_, i) => start + i), D); // cos/sin [1, T, D/2]
  let h = ops.mul(embedding([ids], weights["embed_tokens.weight"]), Math.sqrt(hidden)); // [1, T, hidden]
  for (let l = 0; l < L; l++) {
    const attnWeights = { q: lin(l, "self_attn.q_proj"), k: lin(l, "self_attn.k_proj"), v: lin(l, "self_attn.v_proj"), o: lin(l, "self_attn.o_proj") };
    const lc = cache?.layers[l];
    const past = lc && lc.length > 0 ? lc.past() : null; // keys/values of the earlier slots [1, len, Hkv*D]
    const attn = selfAttention(ops, ops.rmsNorm(h, `layers.${l}.input_layernorm.weight`, 1e-6), attnWeights, { numHeads: H, numKvHeads: Hkv }, { mask, rope, past });
    lc?.appendRows(attn.key.toFloat32(), attn.value.toFloat32()); // this call's rotated keys and values [1, T, Hkv*D] (B = 1: already time-major)
    h = ops.add(h, attn.output);
    h = ops.add(h, gatedMlp(ops, ops.rmsNorm(h, `layers.${l}.post_attention_layernorm.weight`, 1e-6), { gate: lin(l, "mlp.gate_proj"), up: lin(l, "mlp.up_proj"), down: lin(l, "mlp.down_proj") }));
  }
  return tiedLmHead(ops, ops.rmsNorm(h, "norm.weight", 1e-6), "embed_tokens.weight"); // [1, T, V]
}
const lastRow = (logits: Tensor) => logits.slice(1, logits.shape[1] - 1).reshape([V]);

const prompt = [2, 17, 5, 33, 8, 21]; // the prefix: attends bidirectionally (prefix-LM), like image + prompt
const steps = 6;
// (a) With the cache: prefill the prompt once, then feed one token per step.
const cache = new KVCache({ numLayers: L, batch: 1, numKvHeads: Hkv, headDim: D, maxLength: prompt.length + steps });
projected = 0;
let logits = lastRow(forward(prompt, 0, prefixLmMask(prompt.length, prompt.length), cache));
console.log(`\nprefill: ${prompt.length} tokens -> cache length ${cache.length}, layer 0 keys viewed as [${cache.layers[0].view().keys.shape}] (time-major [T, B, Hkv, D])`);
const cached: number[] = [];
const cachedLogits: Tensor[] = [];
for (let s = 0; s < steps; s++) {
  const next = argmax(logits).item();
  cached.push(next);
  cachedLogits.push(logits);
  const len = cache.length;
  logits = lastRow(forward([next], len, attentionMask({ queryLength: 1, keyLength: len + 1, prefixEnd: prompt.length }), cache));
}
const cachedWork = projected;
console.log(`decode: ${steps} steps of 1 token -> cache length ${cache.length}; a step's mask is [${attentionMask({ queryLength: 1, keyLength: cache.length }).shape}]`);

// (b) Without the cache: recompute the whole sequence at every step.
projected = 0;
const full: number[] = [];
let worst = 0;
for (let s = 0; s < steps; s++) {
  const seq = [...prompt, ...full];
  const l = lastRow(forward(seq, 0, prefixLmMask(seq.length, prompt.length), null));
  worst = Math.max(worst, maxAbsDiff(l, cachedLogits[s]));
  full.push(argmax(l).item());
}
console.log(`greedy tokens with cache    [${cached}]`);
console.log(`greedy tokens by recompute  [${full}]`);
console.log(`same tokens: ${cached.join() === full.join()}; logits max |diff| over ${steps} steps ${worst}`); // 0: the same float32 sums in the same order
console.log(`tokens through the projections: ${cachedWork} with the cache vs ${projected} recomputing (grows as T^2)`);

// The picture: cache bytes as the sequence grows, for both real models (bf16).
const ns = Array.from({ length: 24 }, (_, i) => (i + 1) * 200);
const bars = (b: number) => barChart(ns.map((n) => (n * b) / 2 / 2 ** 20), { max: (4800 * perToken[1]) / 2 / 2 ** 20, height: 140, bar: 10 });
const png = await panels([
  { title: "PaliGemma 1, bf16 MiB, T = 200..4800", image: bars(perToken[0]) },
  { title: "PaliGemma 2, same scale", image: bars(perToken[1]) },
]);
console.log(`wrote ${await savePng(png, "10-kv-cache-bytes.png")}`);
