/**
 * loc_embeddings.ts — the 1024 `<locNNNN>` rows of the embedding table, started as a smooth
 * function of the bin number instead of independent noise.
 *
 * Teaches: PaliGemma writes a box as four tokens out of 1024 bins, and to the model each bin is just
 * another vocabulary row: nothing says that <loc0512> lies between <loc0496> and <loc0528>. Real
 * PaliGemma learns that order from billions of boxes; a tiny model trained for an hour sees each
 * bin a few thousand times. Starting the rows as sinusoids of the bin index (the Transformer's
 * position encoding, over bins instead of positions) gives neighbouring bins similar rows from step 0:
 *   e[k, 2j]     = a sin(2 pi k / T_j)      T_j = 4096 (32 / 4096)^(j / (H/2 - 1)),  j = 0 .. H/2 - 1
 *   e[k, 2j + 1] = a cos(2 pi k / T_j)      periods from 4096 bins (the whole range, unambiguous)
 *                                           down to 32 bins (2 px of a 64 px image)
 *   a = std * sqrt(2)                       so each row has the same mean square as the N(0, std) rows
 * The head is tied, so the same rows score the loc tokens at the output: a hidden state that
 * favours bin k also favours its neighbours, and a gradient at one bin moves its neighbours too.
 * Measured (350 steps of 64, lr 1e-3, stage-0 tower, same seed): mean loss of steps 301-350 1.233
 * with these rows, 1.265 with N(0, 0.02) rows (docs/NOTES.md, "recipe runs").
 *
 * References: Vaswani et al., "Attention Is All You Need" section 3.5 (sinusoidal encodings);
 * Chen et al., "Pix2Seq" (coordinates as tokens); Beyer et al., "PaliGemma" (1024 <loc> bins).
 */
import { ArgumentError, Tensor } from "@paligemma-ts/tensor";

/** Periods (in bins) of the H/2 sine / cosine pairs: 4096 down to 32, geometric. */
export function locPeriods(hidden: number): number[] {
  const pairs = hidden / 2;
  return Array.from({ length: pairs }, (_, j) => 4096 * (32 / 4096) ** (pairs > 1 ? j / (pairs - 1) : 0));
}

/** A copy of `table` [V, H] whose rows first .. first + bins - 1 are the sinusoids above. */
export function sinusoidalLocRows(table: Tensor, first: number, std = 0.02, bins = 1024): Tensor {
  const [V, H] = table.shape;
  if (table.shape.length !== 2 || H % 2 !== 0) throw new ArgumentError(`sinusoidalLocRows: the table must be [V, H] with H even, got [${table.shape.join(", ")}]`);
  if (!Number.isInteger(first) || first < 0 || first + bins > V) throw new ArgumentError(`sinusoidalLocRows: rows ${first} .. ${first + bins - 1} do not fit a table of ${V} rows`);
  const out = table.toFloat32().slice(); // [V, H]
  const a = std * Math.SQRT2;
  const periods = locPeriods(H);
  for (let k = 0; k < bins; k++) {
    const row = (first + k) * H;
    periods.forEach((T, j) => {
      out[row + 2 * j] = a * Math.sin((2 * Math.PI * k) / T);
      out[row + 2 * j + 1] = a * Math.cos((2 * Math.PI * k) / T);
    });
  }
  return new Tensor("float32", [V, H], out);
}
