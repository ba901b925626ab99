/**
 * 02-embeddings-and-transformer-block.ts — token ids -> embedding rows -> one pre-norm transformer
 * block (attention + gated MLP, each wrapped in a residual) -> final norm -> tied LM head -> logits
 * -> softmax -> next-token probabilities. A toy Gemma with random weights, V = 8, D = 16.
 *
 * Layers are written once against `Ops` and refer to their weights by NAME (Hugging Face's names):
 * `EagerOps` runs them at once on the plain-TS reference kernels; `runOps("onnx", ...)` builds the
 * same calls into an ONNX graph (lesson 19).
 *
 * Run: pnpm example 2        Lesson: docs/02-embeddings-and-transformer-block.md
 */
import { EagerOps, type Ops, Tensor, TensorParams, embedding, maxAbsDiff, randNormal, runOpsMany, seededRng, softmax, sum } from "@paligemma-ts/tensor";
import { causalMask, gatedMlp, rotaryTables, selfAttention, tiedLmHead } from "@paligemma-ts/core";

const vocab = ["<pad>", "<eos>", "<bos>", "the", "cat", "sat", "on", "mat"];
const [V, D, H, Hkv, hd, I] = [vocab.length, 16, 2, 1, 8, 32];
const rng = seededRng(2);
const w = (shape: number[], std = 0.3) => randNormal(shape, rng, std);
const weights: Record<string, Tensor> = {
  "embed_tokens.weight": w([V, D], 0.25), // [V, D]
  "input_layernorm.weight": w([D], 0.1),
  "self_attn.q_proj.weight": w([H * hd, D]),
  "self_attn.k_proj.weight": w([Hkv * hd, D]),
  "self_attn.v_proj.weight": w([Hkv * hd, D]),
  "self_attn.o_proj.weight": w([D, H * hd]),
  "post_attention_layernorm.weight": w([D], 0.1),
  "mlp.gate_proj.weight": w([I, D]),
  "mlp.up_proj.weight": w([I, D]),
  "mlp.down_proj.weight": w([D, I]),
  "norm.weight": w([D], 0.1),
};
const lin = (name: string) => ({ weight: `${name}.weight` });
const attnWeights = { q: lin("self_attn.q_proj"), k: lin("self_attn.k_proj"), v: lin("self_attn.v_proj"), o: lin("self_attn.o_proj") };
const mlpWeights = { gate: lin("mlp.gate_proj"), up: lin("mlp.up_proj"), down: lin("mlp.down_proj") };
const ops = new EagerOps(new TensorParams(weights).get); // weights by name -> reference kernels
const table = weights["embed_tokens.weight"];

// 1. Embedding: a lookup of rows, then Gemma's scale by sqrt(D).
const ids = [2, 3, 4, 5, 6, 3]; // <bos> the cat sat on the
console.log(`tokens: ${ids.map((i) => vocab[i]).join(" ")}  ids [${ids}]`);
const e = embedding([ids], table); // [1, T, D]
console.log(`embedding(ids, table [${table.shape}]) -> [${e.shape}]; row for "cat" equals table row 4: ${maxAbsDiff(e.slice(1, 2, 3), table.slice(0, 4, 5)) === 0}`);
let h = ops.mul(e, Math.sqrt(D)); // [1, T, D] * sqrt(D)

// 2. One decoder block: h = h + attn(norm(h)); h = h + mlp(norm(h)).
const T = ids.length;
const rope = rotaryTables([...Array(T).keys()], hd); // cos/sin [1, T, hd/2]
const attn = selfAttention(ops, ops.rmsNorm(h, "input_layernorm.weight", 1e-6), attnWeights, { numHeads: H, numKvHeads: Hkv }, { mask: causalMask(T), rope });
h = ops.add(h, attn.output); // [1, T, D]
h = ops.add(h, gatedMlp(ops, ops.rmsNorm(h, "post_attention_layernorm.weight", 1e-6), mlpWeights)); // [1, T, D]
console.log(`after one block: [${h.shape}] (same shape in, same shape out: blocks stack)`);

// 3. Logits: final norm, then the tied head (h times the embedding table transposed).
/** Final norm + tied head, written once for every implementation of Ops. */
const head = <T>(o: Ops<T>, x: T): T => tiedLmHead(o, o.rmsNorm(x, "norm.weight", 1e-6), "embed_tokens.weight"); // [.., V]
const logits = head(ops, h); // [1, T, V]
console.log(`logits = norm(h) @ table^T: [${logits.shape}]`);
const last = logits.slice(1, T - 1, T).reshape([V]); // the last position predicts the next token
const probs = softmax(last);
console.log(`last position logits: [${last.toArray().map((v) => v.toFixed(3)).join(", ")}]`);
console.log(`softmax sums to ${sum(probs).item().toFixed(4)}`);
const ranked = [...probs.toArray().entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
console.log(`top 3 next tokens: ${ranked.map(([i, p]) => `${vocab[i]} ${p.toFixed(4)}`).join(", ")}  (random weights: no meaning)`);

// 4. The same head and softmax as ONNX kernels: `head` again, now adding graph nodes.
const onnx = await runOpsMany("onnx", (o, v) => {
  const l = head(o, v.h);
  return { logits: l, probs: o.softmax(l) };
}, { h }, weights);
const dLogits = maxAbsDiff(onnx.logits, logits);
const dProbs = maxAbsDiff(onnx.probs.slice(1, T - 1, T).reshape([V]), probs);
console.log(`onnx linear + softmax vs reference: logits max |diff| ${dLogits.toExponential(1)}, probs max |diff| ${dProbs.toExponential(1)}`);
