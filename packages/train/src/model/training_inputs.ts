/**
 * training_inputs.ts — one world batch -> the fixed-size tensors a training step feeds.
 *
 * Teaches: a training graph has static shapes (its session is created once), so every batch is laid
 * out in the same B x L frame:
 *   text_ids        [B, L - N]   the row after its N image tokens, right-padded with <pad>
 *   attention_mask  [B, 1, L, L] prefix-LM (image + <bos> + prefix + "\n" both ways), causal suffix,
 *                                padding never attended (core attentionMask)
 *   cos, sin        [B, L, D/2]  RoPE tables of the 1-based positions 1..L (right padding keeps
 *                                every real token at its own position)
 *   target_rows     [Nt]         for each suffix token t of row b (its <eos> included): b * L + t - 1,
 *                                the position whose logits predict it; Nt = shape.targets, unused
 *                                slots point at row 0 with a zero one-hot
 *   target_onehot   [Nt, V]      1 / (real targets) at the target id
 * so the mean over real targets is a sum, whatever the padding.
 *
 * References: paligemma_loss.ts (the consumer); processor prompt.ts (the row layout).
 */
import { attentionMask, rotaryTables } from "@paligemma-ts/core";
import type { PaliGemmaConfig } from "@paligemma-ts/paligemma";
import { ArgumentError, Tensor } from "@paligemma-ts/tensor";
import type { TrainingBatch } from "../world/batch.ts";

export interface StepShape {
  /** Rows per step. */
  batch: number;
  /** Slots per row (image tokens included). */
  length: number;
  /**
   * Target slots per step (all rows together). The world's batches of 64 hold 346 targets on
   * average and at most 419 in 400 batches (scripts/target-stats.ts), so 8 per row leaves a wide
   * margin while the head and log-softmax run on 512 rows instead of B x 23.
   */
  targets: number;
}

/** The loss inputs of `batch` in the fixed frame `shape` (see the header). */
export function lossInputs(batch: TrainingBatch, c: PaliGemmaConfig, shape: StepShape): Record<string, Tensor> {
  const { batch: B, length: L, targets: Nt } = shape;
  const N = c.num_image_tokens;
  const V = c.text_config.vocab_size;
  if (batch.size !== B) throw new ArgumentError(`lossInputs: batch has ${batch.size} rows, the step takes ${B}`);
  if (batch.length > L) throw new ArgumentError(`lossInputs: a row of ${batch.length} tokens does not fit the step's ${L} slots`);
  const pad = c.pad_token_id;
  const textIds = new BigInt64Array(B * (L - N)).fill(BigInt(pad));
  const keyMask: number[][] = [];
  const rows = new BigInt64Array(Nt);
  const onehot = new Float32Array(Nt * V);
  let targets = 0;
  for (let b = 0; b < B; b++) targets += batch.suffixLengths[b];
  if (targets > Nt) throw new ArgumentError(`lossInputs: the batch has ${targets} target tokens, the step frame holds ${Nt} (raise --targets)`);
  let k = 0;
  for (let b = 0; b < B; b++) {
    const ids = batch.inputIds[b];
    const real = batch.prefixLengths[b] + batch.suffixLengths[b];
    for (let t = N; t < real; t++) textIds[b * (L - N) + t - N] = BigInt(ids[t]);
    keyMask.push(Array.from({ length: L }, (_, t) => (t < real ? 1 : 0)));
    for (let t = batch.prefixLengths[b]; t < real; t++, k++) {
      rows[k] = BigInt(b * L + t - 1);
      onehot[k * V + ids[t]] = 1 / targets;
    }
  }
  const positions = Array.from({ length: B }, () => Array.from({ length: L }, (_, t) => t + 1));
  const { cos, sin } = rotaryTables(positions, c.text_config.head_dim, c.text_config.rope_theta); // [B, L, D/2]
  return {
    pixel_values: new Tensor("float32", [B, 3, batch.imageSize, batch.imageSize], batch.pixelValues),
    text_ids: new Tensor("int64", [B, L - N], textIds),
    attention_mask: attentionMask({ queryLength: L, keyLength: L, prefixEnd: batch.prefixLengths, keyMask }),
    cos,
    sin,
    target_rows: new Tensor("int64", [Nt], rows),
    target_onehot: new Tensor("float32", [Nt, V], onehot),
  };
}
