/**
 * 02-embeddings-and-transformer-block.ts — token ids -> embedding rows -> one pre-norm transformer
 * block (attention + gated MLP, each wrapped in a residual) -> final norm -> tied LM head -> logits
 * -> softmax -> next-token probabilities. A toy Gemma with random weights, V = 8, D = 16.
 *
 * Run: pnpm example 2        Lesson: docs/02-embeddings-and-transformer-block.md
 */
import { Tensor, add, maxAbsDiff, mul, onnxBackend, randNormal, seededRng, softmax, sum } from "@paligemma-ts/tensor";
import { causalMask, embedding, gatedMlp, rmsNorm, rotaryTables, selfAttention, tiedLmHead } from "@paligemma-ts/core";

const vocab = ["<pad>", "<eos>", "<bos>", "the", "cat", "sat", "on", "mat"];
const [V, D, H, Hkv, hd, I] = [vocab.length, 16, 2, 1, 8, 32];
const rng = seededRng(2);
const w = (shape: number[], std = 0.3) => randNormal(shape, rng, std);
const table = w([V, D], 0.25); // embed_tokens.weight [V, D]
const block = {
  inputNorm: w([D], 0.1),
  attn: { q: { weight: w([H * hd, D]) }, k: { weight: w([Hkv * hd, D]) }, v: { weight: w([Hkv * hd, D]) }, o: { weight: w([D, H * hd]) } },
  postNorm: w([D], 0.1),
  mlp: { gate: { weight: w([I, D]) }, up: { weight: w([I, D]) }, down: { weight: w([D, I]) } },
};
const finalNorm = w([D], 0.1);

// 1. Embedding: a lookup of rows, then Gemma's scale by sqrt(D).
const ids = [2, 3, 4, 5, 6, 3]; // <bos> the cat sat on the
console.log(`tokens: ${ids.map((i) => vocab[i]).join(" ")}  ids [${ids}]`);
const e = embedding(ids, table); // [1, T, D]
console.log(`embedding(ids, table [${table.shape}]) -> [${e.shape}]; row for "cat" equals table row 4: ${maxAbsDiff(e.slice(1, 2, 3), table.slice(0, 4, 5)) === 0}`);
let h = mul(e, Tensor.from([Math.sqrt(D)])); // [1, T, D] * sqrt(D)

// 2. One decoder block: h = h + attn(norm(h)); h = h + mlp(norm(h)).
const T = ids.length;
const attnOut = selfAttention(rmsNorm(h, block.inputNorm, 1e-6), block.attn, {
  numHeads: H, numKvHeads: Hkv, headDim: hd, mask: causalMask(T), rope: rotaryTables([...Array(T).keys()], hd),
}); // [1, T, D]
h = add(h, attnOut);
h = add(h, gatedMlp(rmsNorm(h, block.postNorm, 1e-6), block.mlp)); // [1, T, D]
console.log(`after one block: [${h.shape}] (same shape in, same shape out: blocks stack)`);

// 3. Logits: final norm, then the tied head (h times the embedding table transposed).
const logits = tiedLmHead(rmsNorm(h, finalNorm, 1e-6), table); // [1, T, V]
console.log(`logits = norm(h) @ table^T: [${logits.shape}]`);
const last = logits.slice(1, T - 1, T).reshape([V]); // the last position predicts the next token
const probs = softmax(last);
console.log(`last position logits: [${last.toArray().map((v) => v.toFixed(3)).join(", ")}]`);
console.log(`softmax sums to ${sum(probs).item().toFixed(4)}`);
const ranked = [...probs.toArray().entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
console.log(`top 3 next tokens: ${ranked.map(([i, p]) => `${vocab[i]} ${p.toFixed(4)}`).join(", ")}  (random weights: no meaning)`);

// 4. The same head and softmax as ONNX kernels.
const onnxLogits = await onnxBackend.linear(rmsNorm(h, finalNorm, 1e-6), table);
const onnxProbs = await onnxBackend.softmax(onnxLogits);
console.log(`onnx linear + softmax vs reference: logits max |diff| < 1e-5: ${maxAbsDiff(onnxLogits, logits) < 1e-5}, probs max |diff| < 1e-6: ${maxAbsDiff(onnxProbs.slice(1, T - 1, T).reshape([V]), probs) < 1e-6}`);
