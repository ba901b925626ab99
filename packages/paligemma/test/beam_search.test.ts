/**
 * beam_search.test.ts — beam search and best-of-n.
 *   - one beam is greedy decoding (both fixtures, with and without eos, several length penalties);
 *   - with 4 beams the answer's log-probability, recomputed by score() on its ids, is >= greedy's,
 *     and equals the score beam search reports (length penalty 1: the mean log-probability);
 *   - on a fake decoder with a 5-token vocabulary whose logits hash the whole sequence it sees
 *     THROUGH ITS KV CACHE (so a wrong cache reordering changes the answer), a brute-force search over
 *     every sequence of up to 3 tokens finds the same best sequence and score as a beam wide enough,
 *     for length penalties 0, 1, 2 and -0.5, on a left-padded batch of two prompts;
 *   - narrow beams on 20 fake decoders: each answer's reported score is its true log-probability
 *     (fails if the cache does not follow the beams' re-ranking);
 *   - best-of-n: n = 1 is plain sampling; the kept sample has the best mean log-probability of the n.
 */
import { KVCache } from "@paligemma-ts/core";
import { Tensor, seededRng } from "@paligemma-ts/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import { type DecoderRunner, type EarlyStopping, type PaliGemmaConfig, PaliGemma, type VisionRunner, beamSearch, bestOfN, emptyTimings } from "../src/index.ts";
import { FIXTURES, fixtureDir, readGolden } from "./fixtures.ts";

describe.each(FIXTURES)("beam search on %s", (name) => {
  let model: PaliGemma;
  let pixels: Tensor;
  const prompt = "caption en";
  beforeAll(async () => {
    model = await PaliGemma.load(fixtureDir(name));
    pixels = readGolden(name).read("pixel_values");
  });

  it("numBeams 1 == greedy (stopping at eos or not, length penalties 1, 0.5, 2)", async () => {
    for (const ignoreEos of [true, false]) {
      const greedy = await model.generate({ images: pixels, prompts: [prompt], maxNewTokens: 10, ignoreEos });
      for (const lengthPenalty of [1, 0.5, 2]) {
        const beam = await model.generate({ images: pixels, prompts: [prompt], maxNewTokens: 10, ignoreEos, numBeams: 1, lengthPenalty });
        expect(beam.generatedIds, `ignoreEos ${ignoreEos} lp ${lengthPenalty}`).toEqual(greedy.generatedIds);
        expect(beam.texts).toEqual(greedy.texts);
      }
    }
  });

  it("4 beams: log p(answer), recomputed by score(), is >= greedy's and equals the reported score", async () => {
    const steps = 8;
    const greedy = await model.generate({ images: pixels, prompts: [prompt], maxNewTokens: steps, ignoreEos: true });
    const beam = await model.generate({ images: pixels, prompts: [prompt], maxNewTokens: steps, ignoreEos: true, numBeams: 4 });
    const logp = async (ids: number[]) => {
      const s = await model.score(pixels, prompt, ids);
      expect(s.suffixLength).toBe(ids.length);
      return -s.meanNll * s.suffixLength;
    };
    const [g, b] = [await logp(greedy.generatedIds[0]), await logp(beam.generatedIds[0])];
    console.log(`${name}: log p greedy ${g.toFixed(4)} [${greedy.generatedIds[0]}], 4 beams ${b.toFixed(4)} [${beam.generatedIds[0]}], reported ${beam.scores![0].toFixed(4)} x ${steps}`);
    expect(b).toBeGreaterThanOrEqual(g - 1e-4);
    expect(Math.abs(beam.scores![0] * steps - b)).toBeLessThan(1e-3); // lp 1: score = sum / length
    const events: number[] = [];
    await model.generate({ images: pixels, prompts: [prompt], maxNewTokens: steps, ignoreEos: true, numBeams: 4, onToken: (e) => events.push(e.tokenId) });
    expect(events).toEqual(beam.generatedIds[0]); // the answer's tokens, emitted once it is known
  });

  it("rejects bad beam options before any work", async () => {
    await expect(model.generate({ images: pixels, prompts: [prompt], numBeams: 0 })).rejects.toThrow(/numBeams must be a positive integer, got 0/);
    await expect(model.generate({ images: pixels, prompts: [prompt], numBeams: 2, earlyStopping: "sometimes" as never })).rejects.toThrow(/earlyStopping must be true, false or "never"/);
    await expect(model.generate({ images: pixels, prompts: [prompt], numBeams: 2, temperature: 0.7 })).rejects.toThrow(/beam search is deterministic/);
    await expect(model.generate({ images: pixels, prompts: [prompt], numBeams: 2, bestOf: 2 })).rejects.toThrow(/cannot be combined/);
  });

  it("best-of-n: n = 1 is plain sampling; the kept answer has the best mean log p of the n samples", async () => {
    const base = { images: pixels, prompts: [prompt], maxNewTokens: 6, ignoreEos: true, temperature: 3, seed: 5 };
    const plain = await model.generate(base);
    const one = await model.generate({ ...base, bestOf: 1 });
    expect(one.generatedIds).toEqual(plain.generatedIds);
    const best = await model.generate({ ...base, bestOf: 4 });
    const meanLogp = async (ids: number[]) => -(await model.score(pixels, prompt, ids)).meanNll;
    const kept = await meanLogp(best.generatedIds[0]);
    expect(Math.abs(kept - best.scores![0])).toBeLessThan(1e-4);
    for (let i = 0; i < 4; i++) {
      const sample = await model.generate({ ...base, seed: 5 + i }); // sample i of prompt 0 uses seed + i
      expect(await meanLogp(sample.generatedIds[0])).toBeLessThanOrEqual(kept + 1e-4);
    }
  });
});

// ---- a fake decoder whose next-token distribution depends on the whole sequence in its cache ----
const V = 5;
const EOS = 1;
const IMG = 99;
const config = { image_token_index: IMG, num_image_tokens: 1, pad_token_id: 0, text_config: { max_position_embeddings: 100 } } as unknown as PaliGemmaConfig;

/** Changes the fake decoder (a different hash start = a different next-token distribution). */
let salt = 17;
/** Deterministic logits [V] for a token sequence (a hash seeds a random stream). */
function fakeLogits(seq: readonly number[]): Float32Array {
  let h = salt;
  for (const v of seq) h = (h * 31 + v + 7) % 2147483647;
  const rng = seededRng(h);
  return Float32Array.from({ length: V }, () => (rng() - 0.5) * 4);
}

const vision: VisionRunner = { encode: async (p) => Tensor.zeros([p.shape[0], 1, 1]), project: async (h) => h, dispose: async () => {} };
const decoder: DecoderRunner = {
  embed: (ids) => new Tensor("float32", [ids.length, ids[0].length, 1], Float32Array.from(ids.flat())), // H = 1: the id itself
  createCache: (batch, maxLength) => new KVCache({ numLayers: 1, batch, numKvHeads: 1, headDim: 1, maxLength }),
  dispose: async () => {},
  async forward({ inputsEmbeds, mask, cache, logits }) {
    const [B, T] = inputsEmbeds.shape;
    const x = inputsEmbeds.toFloat32();
    const layer = cache!.layers[0];
    const rows = new Float32Array(T * B);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) rows[t * B + b] = x[b * T + t]; // time-major
    layer.appendRows(rows, rows);
    const past = layer.past().key.toFloat32(); // [B, Tk, 1], read through the row table
    const Tk = layer.length;
    const m = mask!.toFloat32(); // [B, 1, T, Tk]
    const out = new Float32Array(B * V);
    for (let b = 0; b < B; b++) {
      const seq: number[] = [];
      for (let j = 0; j < Tk; j++) if (m[(b * T + T - 1) * Tk + j] === 0) seq.push(past[b * Tk + j]); // the real tokens row b sees
      out.set(fakeLogits(seq), b * V);
    }
    expect(logits).toBe("last");
    return { logits: new Tensor("float32", [B, 1, V], out) };
  },
};

/** log softmax(fakeLogits(prompt + ids[:t]))[ids[t]] summed over the answer: its true log-probability. */
function trueLogProb(prompt: readonly number[], ids: readonly number[]): number {
  let sum = 0;
  ids.forEach((v, t) => {
    const x = fakeLogits([...prompt.map((u) => (u === IMG ? 0 : u)), ...ids.slice(0, t)]);
    const mx = Math.max(...x);
    sum += x[v] - mx - Math.log(x.reduce((s, u) => s + Math.exp(u - mx), 0));
  });
  return sum;
}

/** Every sequence of 1..steps tokens (ending at the first eos), scored sum log p / len^lp; the best. */
function bruteForce(prompt: readonly number[], steps: number, lp: number): { ids: number[]; score: number } {
  let best = { ids: [] as number[], score: -Infinity };
  const visit = (ids: number[], sum: number) => {
    const x = fakeLogits([...prompt.map((v) => (v === IMG ? 0 : v)), ...ids]);
    let lse = 0;
    const mx = Math.max(...x);
    for (const v of x) lse += Math.exp(v - mx);
    lse = mx + Math.log(lse);
    for (let v = 0; v < V; v++) {
      const next = [...ids, v];
      const s = sum + x[v] - lse;
      if (v === EOS || next.length === steps) {
        const score = s / next.length ** lp;
        if (score > best.score) best = { ids: next, score };
      } else visit(next, s);
    }
  };
  visit([], 0);
  return best;
}

describe("beam search vs brute force on a tiny vocabulary", () => {
  const rows = [[IMG, 2, 3], [IMG, 2, 4, 4, 3]]; // row 0 is left-padded
  it.each([[0, false], [1, "never"], [2, "never"], [-0.5, "never"]] as [number, EarlyStopping][])("length penalty %s, earlyStopping %s: a beam of V^steps finds the best sequence", async (lengthPenalty, earlyStopping) => {
    const steps = 3;
    const pixelValues = Tensor.zeros([2, 3, 1, 1]);
    const got = await beamSearch({ vision, decoder, config, pixelValues, rows, timings: emptyTimings(), numBeams: V ** steps, lengthPenalty, earlyStopping, maxNewTokens: steps, stopTokenIds: [EOS] });
    const narrow = await beamSearch({ vision, decoder, config, pixelValues, rows, timings: emptyTimings(), numBeams: 2, lengthPenalty, earlyStopping, maxNewTokens: steps, stopTokenIds: [EOS] });
    rows.forEach((r, b) => {
      const want = bruteForce(r, steps, lengthPenalty);
      console.log(`lp ${lengthPenalty} row ${b}: brute force [${want.ids}] ${want.score.toFixed(5)}; beam ${V ** steps} [${got.ids[b]}] ${got.scores[b].toFixed(5)}; beam 2 [${narrow.ids[b]}] ${narrow.scores[b].toFixed(5)}`);
      expect(got.ids[b]).toEqual(want.ids);
      expect(Math.abs(got.scores[b] - want.score)).toBeLessThan(1e-5);
      expect(narrow.scores[b]).toBeLessThanOrEqual(want.score + 1e-9);
    });
  });

  it("narrow beams on 20 different decoders: every answer's reported score is its true score (the cache followed the beams)", async () => {
    const pixelValues = Tensor.zeros([2, 3, 1, 1]);
    let mismatches = 0;
    for (let d = 0; d < 20; d++) {
      salt = 1000 + d;
      for (const numBeams of [2, 3]) {
        const out = await beamSearch({ vision, decoder, config, pixelValues, rows, timings: emptyTimings(), numBeams, lengthPenalty: 0, maxNewTokens: 4, stopTokenIds: [] });
        rows.forEach((r, b) => {
          if (Math.abs(out.scores[b] - trueLogProb(r, out.ids[b])) > 1e-5) mismatches++;
        });
      }
    }
    salt = 17;
    expect(mismatches).toBe(0);
  });

  it("best-of-n on the fake decoder keeps the sample with the best mean log p", async () => {
    const pixelValues = Tensor.zeros([2, 3, 1, 1]);
    const out = await bestOfN({ vision, decoder, config, pixelValues, rows, timings: emptyTimings(), bestOf: 6, maxNewTokens: 3, stopTokenIds: [EOS], temperature: 1, seed: 3 });
    rows.forEach((r, b) => {
      const ids = out.ids[b];
      expect(Math.abs(out.scores[b] - trueLogProb(r, ids) / ids.length)).toBeLessThan(1e-6);
      expect(ids.length === 3 || ids.at(-1) === EOS).toBe(true);
    });
  });
});
