/**
 * 10-kv-cache.ts — prefill vs token-by-token decode with a KV cache: what is cached (each layer's
 * rotated keys and values), how many bytes that is per token for the real PaliGemma shapes, and a
 * check on a small random decoder that cached decoding gives the same logits and tokens as
 * recomputing the whole sequence every step.
 *
 * Run: pnpm example 10       Lesson: docs/10-kv-cache.md
 */
import { Tensor, add, argmax, maxAbsDiff, mul, randNormal, seededRng } from "@paligemma-ts/tensor";
import { KVCache, attentionMask, embedding, gatedMlp, prefixLmMask, rmsNorm, rotaryTables, selfAttention, tiedLmHead } from "@paligemma-ts/core";
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

// 2. A small random decoder: 2 layers, hidden 32, 4 query heads, 2 kv heads of 8, vocab 50.
const [V, hidden, H, Hkv, D, I, L] = [50, 32, 4, 2, 8, 64, 2];
const rng = seededRng(10);
const rnd = (shape: number[], std = 0.4) => randNormal(shape, rng, std);
const table = rnd([V, hidden], 0.3);
const layers = Array.from({ length: L }, () => ({
  inNorm: rnd([hidden], 0.1),
  attn: { q: { weight: rnd([H * D, hidden]) }, k: { weight: rnd([Hkv * D, hidden]) }, v: { weight: rnd([Hkv * D, hidden]) }, o: { weight: rnd([hidden, H * D]) } },
  postNorm: rnd([hidden], 0.1),
  mlp: { gate: { weight: rnd([I, hidden]) }, up: { weight: rnd([I, hidden]) }, down: { weight: rnd([hidden, I]) } },
}));
const finalNorm = rnd([hidden], 0.1);
let projected = 0; // tokens pushed through the q/k/v projections: the work the cache saves

/** Logits [1, T, V] for `ids` sitting at cache slots start .. start + T - 1. */
function forward(ids: number[], start: number, mask: Tensor, cache: KVCache | null): Tensor {
  projected += ids.length;
  const rope = rotaryTables(ids.map((_, i) => start + i), D);
  let h = mul(embedding(ids, table), Tensor.from([Math.sqrt(hidden)])); // [1, T, hidden]
  layers.forEach((w, l) => {
    h = add(h, selfAttention(rmsNorm(h, w.inNorm, 1e-6), w.attn, { numHeads: H, numKvHeads: Hkv, headDim: D, mask, rope, cache: cache?.layers[l] ?? null }));
    h = add(h, gatedMlp(rmsNorm(h, w.postNorm, 1e-6), w.mlp));
  });
  return tiedLmHead(rmsNorm(h, finalNorm, 1e-6), table); // [1, T, V]
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
console.log(`same tokens: ${cached.join() === full.join()}; logits max |diff| over ${steps} steps < 1e-5: ${worst < 1e-5}`);
console.log(`tokens through the projections: ${cachedWork} with the cache vs ${projected} recomputing (grows as T^2)`);

// The picture: cache bytes as the sequence grows, for both real models (bf16).
const ns = Array.from({ length: 24 }, (_, i) => (i + 1) * 200);
const bars = (b: number) => barChart(ns.map((n) => (n * b) / 2 / 2 ** 20), { max: (4800 * perToken[1]) / 2 / 2 ** 20, height: 140, bar: 10 });
const png = await panels([
  { title: "PaliGemma 1, bf16 MiB, T = 200..4800", image: bars(perToken[0]) },
  { title: "PaliGemma 2, same scale", image: bars(perToken[1]) },
]);
console.log(`wrote ${await savePng(png, "10-kv-cache-bytes.png")}`);
