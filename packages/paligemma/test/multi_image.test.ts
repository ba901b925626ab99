/**
 * multi_image.test.ts — several images for one prompt ("<image>" x N per image, in order, then <bos>
 * and the text, as Hugging Face's PaliGemmaProcessor lays out multi-image fine-tunes such as NLVR2).
 *
 * The expectation is composed from independently tested pieces, on both kernel sets and both fixtures:
 *   - each image's features from the single-image path (runVision + projectImages: golden-tested),
 *   - placed by hand at the image tokens, in order (features / sqrt(H), not mergeImageFeatures),
 *   - the prefix-LM mask (core attentionMask, tested on its own) over both images and the prefix,
 * then the decoder's own forward: prefill logits, score and a greedy loop written out here must equal
 * generate / score / prefillLogits with the image list. A batch mixing rows with 2 and 1 images must
 * give each row what it gets alone.
 */
import { attentionMask } from "@paligemma-ts/core";
import { type RgbImage, loadImage } from "@paligemma-ts/processor";
import { Tensor, maxAbsDiff, releaseAllSessions, seededRng } from "@paligemma-ts/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PaliGemma, imagesPerRow, mergeImageFeatures } from "../src/index.ts";
import { FIXTURES, fixtureDir } from "./fixtures.ts";

afterAll(() => releaseAllSessions());

describe("mergeImageFeatures with several images per row", () => {
  it("rows take the images in order: row 0 two, row 1 one (left-padded)", () => {
    const IMG = 9;
    const ids = [[IMG, IMG, IMG, IMG, 2, 5], [0, 0, IMG, IMG, 2, 6]]; // N = 2
    const features = Tensor.from([1, 2, 3, 4, 5, 6].flatMap((v) => [v, -v]), [3, 2, 2]); // [I=3, N=2, H=2]
    const merged = mergeImageFeatures(Tensor.zeros([2, 6, 2]), ids, features, IMG).toFloat32();
    const s = Math.fround(Math.sqrt(2));
    const rowTokens = (b: number) => [0, 1, 2, 3, 4, 5].map((t) => merged[(b * 6 + t) * 2]);
    expect(rowTokens(0)).toEqual([1, 2, 3, 4].map((v) => Math.fround(v / s)).concat([0, 0]));
    expect(rowTokens(1)).toEqual([0, 0, Math.fround(5 / s), Math.fround(6 / s), 0, 0]);
    expect(imagesPerRow(ids, IMG, 2)).toEqual([2, 1]);
    expect(() => imagesPerRow([[IMG, IMG, IMG]], IMG, 2)).toThrow(/row 0 has 3 <image> tokens .* not a multiple of the 2 tokens/);
    expect(() => mergeImageFeatures(Tensor.zeros([2, 6, 2]), ids, features.slice(0, 0, 2), IMG)).toThrow(/hold 3 images' <image> tokens \(2 \+ 1 per row\) but 2 images were given/);
  });
});

/** log softmax(x)[target], in float64. */
function logProb(x: Float32Array, target: number): number {
  let m = -Infinity;
  for (const v of x) m = Math.max(m, v);
  let s = 0;
  for (const v of x) s += Math.exp(v - m);
  return x[target] - m - Math.log(s);
}

describe.each(FIXTURES)("two images per prompt: %s", (name) => {
  describe.each(["reference", "onnx"] as const)("%s kernels", (backend) => {
    let model: PaliGemma;
    let a: RgbImage;
    let b: RgbImage;
    beforeAll(async () => {
      model = await PaliGemma.load(fixtureDir(name), { backend });
      a = await loadImage(`${fixtureDir(name)}/image.png`);
      const rng = seededRng(11);
      b = { width: a.width, height: a.height, data: Uint8Array.from({ length: a.data.length }, () => Math.floor(rng() * 256)) };
    });
    afterAll(() => model.dispose());

    /** The pieces: ids laid out by hand, embeddings with each image's single-image features placed by hand. */
    async function composed(prefix: string, suffix?: string) {
      const c = model.config;
      const N = c.num_image_tokens;
      const single = model.promptIds(prefix, suffix); // one image: N tokens, then <bos> and text
      const ids = [...new Array<number>(N).fill(c.image_token_index), ...single.ids]; // a second run of N image tokens in front
      const feats = [];
      for (const im of [a, b]) feats.push((await model.projectImages(await model.runVision(model.pixelValues([im])))).toFloat32()); // [1, N, H] each
      const H = c.text_config.hidden_size;
      const embeds = model.decoder.embed([ids]).toFloat32().slice(); // [1, T, H]
      const scale = Math.fround(Math.sqrt(H));
      for (let i = 0; i < 2; i++) for (let k = 0; k < N; k++) for (let d = 0; d < H; d++) embeds[(i * N + k) * H + d] = feats[i][k * H + d] / scale;
      const T = ids.length;
      const prefixEnd = single.prefixLength + N;
      const mask = attentionMask({ queryLength: T, keyLength: T, prefixEnd: [prefixEnd], keyMask: [new Array<number>(T).fill(1)] }); // [1, 1, T, T]
      return { ids, prefixEnd, embeds: new Tensor("float32", [1, T, H], embeds), positions: [ids.map((_, t) => t + 1)], mask };
    }

    it("prompt layout: <image> x N for each image, in order, then <bos> and the text", async () => {
      const two = model.promptIds("caption en", undefined, 2).ids;
      const { ids } = await composed("caption en");
      expect(two).toEqual(ids);
      const N = model.config.num_image_tokens;
      expect(two.slice(0, 2 * N).every((id) => id === model.config.image_token_index)).toBe(true);
      expect(two[2 * N]).toBe(model.tokenizer.bosId);
    });

    it("prefill logits, score and greedy generate == the composed expectation", async () => {
      const cmp = await composed("caption en");
      const want = (await model.decoder.forward({ inputsEmbeds: cmp.embeds, positions: cmp.positions, mask: cmp.mask, cache: null, logits: "all" })).logits!;
      const got = await model.prefillLogits(model.pixelValues([[a, b]]), [cmp.ids]);
      const d = maxAbsDiff(got, want);
      console.log(`${name} ${backend} two-image prefill logits vs composed: max |diff| ${d.toExponential(2)}`);
      expect(d).toBeLessThanOrEqual(1e-5);

      const sc = await composed("answer en same?", "yes");
      const logits = (await model.decoder.forward({ inputsEmbeds: sc.embeds, positions: sc.positions, mask: sc.mask, cache: null, logits: "all" })).logits!.toFloat32();
      const V = logits.length / sc.ids.length;
      let nll = 0;
      for (let t = sc.prefixEnd; t < sc.ids.length; t++) nll -= logProb(logits.subarray((t - 1) * V, t * V), sc.ids[t]);
      nll /= sc.ids.length - sc.prefixEnd;
      const scored = await model.score([a, b], "answer en same?", "yes");
      console.log(`${name} ${backend} two-image score: ${scored.meanNll} vs composed ${nll}`);
      expect(scored.inputIds).toEqual(sc.ids);
      expect(Math.abs(scored.meanNll - nll)).toBeLessThanOrEqual(1e-5);

      // greedy, written out: prefill the composed embeddings, then one token at a time
      const steps = 6;
      const cache = model.decoder.createCache(1, cmp.ids.length + steps);
      let last = (await model.decoder.forward({ inputsEmbeds: cmp.embeds, positions: cmp.positions, mask: cmp.mask, cache, logits: "last" })).logits!.toFloat32();
      const greedy: number[] = [];
      for (let s = 0; s < steps; s++) {
        let best = 0;
        for (let v = 1; v < last.length; v++) if (last[v] > last[best]) best = v;
        greedy.push(best);
        const T = cmp.ids.length + s + 1;
        last = (await model.decoder.forward({ inputsEmbeds: model.decoder.embed([[best]]), positions: [[T]], mask: Tensor.zeros([1, 1, 1, T]), cache, logits: "last" })).logits!.toFloat32();
      }
      const out = await model.generate({ images: [[a, b]], prompts: ["caption en"], maxNewTokens: steps, ignoreEos: true });
      expect(out.inputIds[0]).toEqual(cmp.ids);
      expect(out.generatedIds[0]).toEqual(greedy);
    });

    it("a batch mixing 2-image and 1-image rows gives each row what it gets alone", async () => {
      const prompts = ["caption en", "answer en what is on the sofa next to the cat?"];
      const batched = await model.generate({ images: [[a, b], b], prompts, maxNewTokens: 5, ignoreEos: true });
      const alone0 = await model.generate({ images: [[a, b]], prompts: [prompts[0]], maxNewTokens: 5, ignoreEos: true });
      const alone1 = await model.generate({ images: [b], prompts: [prompts[1]], maxNewTokens: 5, ignoreEos: true });
      expect(batched.inputIds).toEqual([alone0.inputIds[0], alone1.inputIds[0]]);
      expect(batched.generatedIds).toEqual([alone0.generatedIds[0], alone1.generatedIds[0]]);
      const rows = batched.inputIds;
      const both = await model.prefillLogits(model.pixelValues([[a, b], b]), rows); // [2, L, V]
      const L = Math.max(rows[0].length, rows[1].length);
      for (const r of [0, 1]) {
        const alone = await model.prefillLogits(model.pixelValues([r === 0 ? [a, b] : b]), [rows[r]]);
        const d = maxAbsDiff(both.slice(0, r, r + 1).slice(1, L - rows[r].length, L), alone);
        console.log(`${name} ${backend} mixed batch row ${r} (${r === 0 ? 2 : 1} images) vs alone: max |diff| ${d.toExponential(2)}`);
        expect(d).toBeLessThanOrEqual(1e-5);
      }
    });
  });
});
