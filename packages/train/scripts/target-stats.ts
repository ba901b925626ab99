/**
 * target-stats.ts — how many target (suffix + <eos>) tokens and slots the world's training batches
 * need: the numbers behind the step frame's defaults (training_inputs.ts: targets, length).
 * Run: npx tsx packages/train/scripts/target-stats.ts
 */
import { cachedTokenizer, loadWorldTokenizer, makeBatch, splitExamples, worldConfig } from "../src/index.ts";
const world = worldConfig();
const tok = cachedTokenizer(await loadWorldTokenizer());
let maxTotal = 0, maxRow = 0, maxLen = 0, sum = 0, n = 0;
for (let b = 0; b < 400; b++) {
  const batch = makeBatch(splitExamples("train", b * 64, 64, world), tok, world);
  const tot = batch.suffixLengths.reduce((a, x) => a + x, 0);
  maxTotal = Math.max(maxTotal, tot); sum += tot; n++;
  maxRow = Math.max(maxRow, ...batch.suffixLengths); maxLen = Math.max(maxLen, batch.length);
}
console.log({ maxTotal, meanTotal: sum / n, maxRow, maxLen });
