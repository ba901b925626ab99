/**
 * 11-sampling.ts — choosing the next token: greedy, temperature, top-k and top-p (nucleus)
 * sampling on one toy row of logits, the order Hugging Face applies them in, and a seeded run of
 * 10,000 draws showing each strategy samples the distribution it claims to.
 *
 * Run: pnpm example 11       Lesson: docs/11-sampling.md
 */
import { seededRng } from "@paligemma-ts/tensor";
import { applyTemperature, greedy, sampleToken, softmaxProbs, topKFilter, topPFilter, type SamplingOptions } from "@paligemma-ts/core";
import { type Rgb, barChart, panels, savePng } from "@paligemma-ts/examples/plot";

// A toy vocabulary of 10 words and the logits a model might give after "the cat sat on the".
const vocab = ["sofa", "mat", "floor", "bed", "chair", "roof", "table", "moon", "idea", "<eos>"];
const logits = Float32Array.from([3.2, 2.9, 2.1, 1.8, 1.5, 0.7, 0.4, -0.8, -2.0, -1.2]);

const pct = (p: number) => `${(100 * p).toFixed(1)}%`.padStart(6);
const kept = (x: Float32Array) => vocab.filter((_, i) => x[i] !== -Infinity);
const entropy = (p: Float64Array) => -p.reduce((s, v) => (v > 0 ? s + v * Math.log2(v) : s), 0);

// 1. The model's own distribution: p = softmax(logits).
const p = softmaxProbs(logits);
console.log(`logits ${Array.from(logits, (v) => v.toFixed(1)).join(" ")}`);
console.log(`softmax: ${vocab.map((w, i) => `${w} ${pct(p[i]).trim()}`).join(", ")}`);

// 2. Greedy: argmax of the logits (softmax is monotonic, so no softmax is needed).
console.log(`greedy -> "${vocab[greedy(logits)]}" (id ${greedy(logits)}), every time`);

// 3. Temperature: softmax(logits / t). Low t sharpens, high t flattens; the order never changes.
console.log("\ntemperature   p(sofa)  p(mat)  p(moon)  entropy (bits)");
const temps = [0.25, 0.5, 1, 2, 4];
const tempProbs = temps.map((t) => softmaxProbs(applyTemperature(logits, t)));
temps.forEach((t, k) => {
  const q = tempProbs[k];
  console.log(`t = ${String(t).padEnd(9)} ${pct(q[0])}  ${pct(q[1])}  ${pct(q[7])}   ${entropy(q).toFixed(3)}`);
});
console.log(`uniform over 10 words would be ${Math.log2(10).toFixed(3)} bits`);

// 4. Top-k: keep the k highest logits, set the rest to -Infinity (probability exactly 0), renormalize.
const k3 = topKFilter(logits, 3);
const pk = softmaxProbs(k3);
console.log(`\ntop-k 3 keeps [${kept(k3).join(", ")}] -> ${kept(k3).map((w) => `${w} ${pct(pk[vocab.indexOf(w)]).trim()}`).join(", ")}`);

// 5. Top-p: keep the most likely words until their mass reaches p. The count adapts to the shape.
for (const [t, pp] of [[1, 0.9], [0.5, 0.9], [2, 0.9]] as const) {
  const x = topPFilter(t === 1 ? logits : applyTemperature(logits, t), pp);
  console.log(`top-p ${pp} at t = ${t}: keeps ${kept(x).length} words [${kept(x).join(", ")}]`);
}

// 6. Draw 10,000 tokens per strategy with a seeded rng: the counts follow the filtered distribution,
//    and the same seed gives the same tokens.
const strategies: [string, SamplingOptions][] = [
  ["greedy", {}],
  ["t = 1", { temperature: 1 }],
  ["t = 0.5", { temperature: 0.5 }],
  ["top-k 3", { topK: 3 }],
  ["top-p 0.9", { topP: 0.9 }],
  ["t = 0.7 + top-k 5 + top-p 0.9", { temperature: 0.7, topK: 5, topP: 0.9 }],
];
const N = 10_000;
console.log(`\n${N} draws, seed 11:    ${vocab.map((w) => w.padStart(6)).join("")}`);
for (const [name, opts] of strategies) {
  const rng = seededRng(11);
  const counts = new Array<number>(vocab.length).fill(0);
  for (let i = 0; i < N; i++) counts[sampleToken(logits, opts, rng)]++;
  console.log(`${name.padEnd(30)}${counts.map((c) => String(c).padStart(6)).join("")}`);
}
const first = (opts: SamplingOptions) => {
  const rng = seededRng(7);
  return Array.from({ length: 8 }, () => vocab[sampleToken(logits, opts, rng)]).join(" ");
};
console.log(`seed 7, t = 1, first 8 draws: ${first({ temperature: 1 })}`);
console.log(`seed 7 again:                 ${first({ temperature: 1 })}`);

// 7. The picture: the same logits under each warper. After a filter, kept words show their
//    renormalized probability; removed words (probability 0 now) show their old one in grey.
const GREY: Rgb = [200, 200, 200];
const bars = (q: ArrayLike<number>, removed: (i: number) => boolean = () => false) =>
  barChart(q, { max: 1, height: 120, bar: 18, colors: vocab.map((_, i) => (removed(i) ? GREY : undefined)) });
const filteredBars = (x: Float32Array) => {
  const q = softmaxProbs(x);
  return bars(q.map((v, i) => (x[i] === -Infinity ? p[i] : v)), (i) => x[i] === -Infinity);
};
const png = await panels([
  { title: "softmax (t = 1)", image: bars(p) },
  { title: "t = 0.5", image: bars(tempProbs[1]) },
  { title: "t = 2", image: bars(tempProbs[3]) },
  { title: "top-k 3", image: filteredBars(k3) },
  { title: "top-p 0.9", image: filteredBars(topPFilter(logits, 0.9)) },
], 5);
console.log(`\nwrote ${await savePng(png, "11-sampling.png")}`);
