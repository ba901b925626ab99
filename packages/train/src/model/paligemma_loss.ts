/**
 * paligemma_loss.ts — the training objective of PaliGemma, written once against `Ops`: the very
 * blocks inference runs, chained into one forward, then cross-entropy on the answer tokens.
 *
 * Teaches: the prefix-LM objective. One row is <image> x N, <bos>, prefix, "\n", suffix, <eos>
 * (right-padded); image + prefix attend to each other both ways, the suffix causally, padding never.
 * The loss predicts each suffix token (and the <eos>) from the position before it:
 *   x       = [ image_features / sqrt(H) ; E[text ids] ] * sqrt(H)      exactly mergeImageFeatures
 *   x       = decoder layers (prefix-LM mask, RoPE at 1-based positions)
 *   h_k     = x[row(k), t(k) - 1]                        the Nt positions that predict a target
 *   logp_k  = log_softmax(final_norm(h_k) E^T)           [Nt, V], tied head
 *   loss    = - sum_k w_k logp_k[target_k]              w_k = 1 / (number of real targets)
 * The target one-hot arrives weighted ([Nt, V], rows of padding targets all zero), so the loss is a
 * Mul and a ReduceSum, and its gradient flows through log_softmax (never log(softmax): it is
 * computed max-subtracted). Every block is the inference block itself (siglipBlocks, projectorBlock,
 * gemmaBlocks) called with the same ops: training differentiates the graph inference runs.
 *
 * References: Beyer et al., "PaliGemma" section 3.2 (prefix-LM, loss on the suffix only);
 * Raffel et al., T5 (prefix-LM); Hugging Face PaliGemmaForConditionalGeneration (labels).
 * Leaves out: label smoothing, packing several examples per row.
 */
import { embeddingNormalizer, gemmaBlocks, gemmaWeights } from "@paligemma-ts/gemma";
import { type PaliGemmaConfig, type WeightLayout, projectorBlock } from "@paligemma-ts/paligemma";
import { siglipBlocks } from "@paligemma-ts/siglip";
import { type Ops, Tensor } from "@paligemma-ts/tensor";

/** The named inputs of one training batch (see training_batch.ts for how they are made). */
export interface LossInputs<T> {
  /** [B, 3, S, S] */
  pixel_values: T;
  /** [B, L - N] int64: everything after the N image tokens (<bos>, prefix, "\n", suffix, <eos>, padding). */
  text_ids: T;
  /** [B, 1, L, L] additive prefix-LM + padding mask. */
  attention_mask: T;
  /** [B, L, D/2] RoPE tables of the 1-based positions. */
  cos: T;
  sin: T;
  /** [Nt] int64: flat row index b * L + t - 1 of each predicting position. */
  target_rows: T;
  /** [Nt, V] weighted one-hot of the targets (weights sum to 1; padding rows zero). */
  target_onehot: T;
}

export interface LossOutputs<T> {
  loss: T;
  /** [1, Nt, V] */
  logits: T;
}

/** The batch loss (see the header). `B`, `L` are the batch's fixed sizes. */
export function paligemmaLoss<T>(ops: Ops<T>, c: PaliGemmaConfig, layout: WeightLayout, x: LossInputs<T>, B: number, L: number): LossOutputs<T> {
  const t = c.text_config;
  const H = t.hidden_size;
  // vision: embeddings, encoder layers, post-norm; then the projector
  const [embed, ...rest] = siglipBlocks(c.vision_config, layout.vision);
  const post = rest.pop()!;
  let v = embed.forward(ops, { pixel_values: x.pixel_values }).hidden_states; // [B, N, Dv]
  for (const layer of rest) v = layer.forward(ops, { hidden_states: v }).hidden_states_out;
  v = post.forward(ops, { hidden_states: v }).last_hidden_state;
  const features = projectorBlock(c, layout).forward(ops, { hidden_states: v }).image_features; // [B, N, H]
  // merge (as mergeImageFeatures + the decoder's sqrt(H) normalizer)
  const words = ops.gather(ops.param(gemmaWeights(t, layout.text).embed_tokens), x.text_ids); // [B, L - N, H]
  const normalizer = embeddingNormalizer(t);
  let h = ops.mul(ops.concat([ops.div(features, normalizer), words], 1), normalizer); // [B, L, H]
  // decoder layers, no cache: the past is empty
  const [head, ...layers] = gemmaBlocks(t, layout.text);
  const empty = ops.constant(Tensor.zeros([B, 0, t.num_key_value_heads * t.head_dim]));
  for (const layer of layers) h = layer.forward(ops, { hidden_states: h, cos: x.cos, sin: x.sin, attention_mask: x.attention_mask, past_key: empty, past_value: empty }).hidden_states_out;
  // the positions that predict a target, through the final norm and tied head
  const rows = ops.gather(ops.reshape(h, [B * L, H]), x.target_rows); // [Nt, H]
  const logits = head.forward(ops, { hidden_states: ops.reshape(rows, [1, -1, H]) }).logits; // [1, Nt, V]
  const logp = ops.logSoftmax(ops.reshape(logits, [-1, t.vocab_size])); // [Nt, V]
  const loss = ops.mul(ops.reduceSum(ops.mul(logp, x.target_onehot), [0, 1]), -1); // scalar
  return { loss, logits };
}
