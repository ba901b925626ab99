/**
 * 07-rotary-embedding.ts — RoPE rotates feature pairs by position-dependent angles, so q . k only
 * depends on the distance between the two tokens. Frequencies, norm preservation, the
 * relative-position property, long-context behaviour, and the ONNX RotaryEmbedding kernel.
 *
 * Run: pnpm example 7        Lesson: docs/07-rotary-embedding.md
 */
import { type Tensor, maxAbsDiff, randNormal, rotaryEmbedding, runOps, seededRng } from "@paligemma-ts/tensor";
import { rotaryInvFreq, rotaryTables } from "@paligemma-ts/core";
import { heatmap, lineChart, panels, savePng } from "@paligemma-ts/examples/plot";

const D = 256; // Gemma's head_dim
const theta = 10000;
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
/** rope of a single vector x [D] (one token, one head) placed at position p. */
const ropeAt = (x: Tensor, p: number): Float32Array => {
  const { cos, sin } = rotaryTables([p], D, theta); // half tables [1, 1, D/2]
  return rotaryEmbedding(x.reshape([1, 1, D]), cos, sin, 1).toFloat32(); // [B, T, H*D] with B = T = H = 1
};

// 1. Frequencies: pair i (features i and i + D/2) turns by inv_freq[i] radians per position.
const inv = rotaryInvFreq(D, theta);
const wavelength = (i: number) => (2 * Math.PI) / inv[i];
console.log(`head_dim ${D}, theta ${theta}: ${D / 2} pairs; inv_freq[0] = ${inv[0]}, inv_freq[1] = ${inv[1].toFixed(4)}, inv_freq[127] = ${inv[127].toExponential(3)}`);
console.log(`wavelengths: pair 0 every ${wavelength(0).toFixed(2)} positions, pair 127 every ${wavelength(127).toFixed(0)} positions`);

// 2. A rotation keeps the length of every vector.
const rng = seededRng(7);
const q = randNormal([D], rng);
const k = randNormal([D], rng);
const r = ropeAt(q, 1000);
console.log(`|q| = ${Math.sqrt(dot(q.data as Float32Array, q.data as Float32Array)).toFixed(4)}, |rope(q, 1000)| = ${Math.sqrt(dot(r, r)).toFixed(4)}`);

// 3. Relative position: rope(q, m) . rope(k, n) depends only on m - n.
for (const [m, n] of [[3, 0], [13, 10], [1003, 1000], [8003, 8000], [0, 3]]) {
  console.log(`rope(q, ${m}) . rope(k, ${n}) = ${dot(ropeAt(q, m), ropeAt(k, n)).toFixed(3)}   (m - n = ${m - n})`);
}
const P = 32;
const S = new Float32Array(P * P); // S[m, n] = rope(q, m) . rope(k, n)
const qs = Array.from({ length: P }, (_, m) => ropeAt(q, m));
const ks = Array.from({ length: P }, (_, n) => ropeAt(k, n));
for (let m = 0; m < P; m++) for (let n = 0; n < P; n++) S[m * P + n] = dot(qs[m], ks[n]);
let spread = 0; // how far S strays from being constant along each diagonal (a Toeplitz matrix)
for (let m = 1; m < P; m++) for (let n = 1; n < P; n++) spread = Math.max(spread, Math.abs(S[m * P + n] - S[(m - 1) * P + n - 1]));
console.log(`S[m, n] for m, n < ${P} is constant along diagonals: max step ${spread.toExponential(1)}`);

// 4. Long context: the same vector at growing distance. The score of q with itself decays (with ripples).
const dist = Array.from({ length: 257 }, (_, i) => i * 8);
const self = dist.map((d) => dot(ropeAt(q, d), ropeAt(q, 0)) / dot(q.data as Float32Array, q.data as Float32Array));
console.log(`rope(q, d) . rope(q, 0) / |q|^2 at d = 0, 8, 64, 512, 2048: ${[0, 1, 8, 64, 256].map((i) => self[i].toFixed(3)).join(", ")}`);
const slow = Array.from(inv).filter((f) => (2 * Math.PI) / f > 8192).length;
console.log(`pairs whose angle turns less than one full circle within 8192 positions (Gemma's max_position_embeddings): ${slow} of ${D / 2}`);

// 5. The ONNX kernel: `ops.rope` adds one opset 23 RotaryEmbedding node (rotate-half pairing:
//    interleaved = 0, num_heads = 2), on the layout straight out of a projection.
const x = randNormal([1, 5, 2 * D], rng); // [B, T, H*D], 2 heads
const { cos, sin } = rotaryTables([[1, 2, 3, 4, 5]], D, theta); // [1, 5, D/2]; PaliGemma positions start at 1
const y = await runOps("onnx", (ops, v) => ops.rope(v.x, v.cos, v.sin, 2), { x, cos, sin });
console.log(`onnx RotaryEmbedding vs reference rotaryEmbedding [${y.shape}]: max |diff| ${maxAbsDiff(y, rotaryEmbedding(x, cos, sin, 2)).toExponential(1)}`);

// The pictures: the Toeplitz score matrix and the decay with distance.
const toeplitz = heatmap(S, P, P, { colormap: "diverging", cell: 8 });
const decay = await lineChart([{ label: "rope(q, d) . rope(q, 0) / |q|^2", x: dist, values: self }], { width: 420, height: 240 });
const angles = new Float32Array(64 * 64); // cos(angle) for positions 0..63 (rows) x the first 64 pairs (columns)
const t64 = rotaryTables([...Array(64).keys()], D, theta).cos.toFloat32(); // [1, 64, D/2]
for (let p = 0; p < 64; p++) for (let i = 0; i < 64; i++) angles[p * 64 + i] = t64[p * (D / 2) + i];
const png = await panels([
  { title: "cos(p * inv_freq[i]), p < 64, i < 64", image: heatmap(angles, 64, 64, { colormap: "diverging", cell: 4 }) },
  { title: "q.k by positions m, n (Toeplitz)", image: toeplitz },
  { title: "score vs distance d = 0..2048", image: decay },
]);
console.log(`wrote ${await savePng(png, "07-rope.png")}`);
