/**
 * commands/score.ts — `paligemma score`: how likely is an answer (suffix) for an image + prompt?
 *
 * Teaches: scoring is one forward pass, no generation. The input is laid out as in training:
 *
 *   <image> x N  <bos>  tokenize(prefix + "\n")  tokenize(suffix)  <eos>
 *   |-------- bidirectional (prefix-LM) --------|---- causal ------------|
 *
 * and the score is the mean negative log-likelihood of the suffix tokens (<eos> included), each
 * predicted from the logits one position earlier:
 *
 *   meanNll = -(1/S) * sum_{t in suffix} log softmax(logits[t - 1])[ids[t]]
 *
 * Lower is better; exp(meanNll) is the perplexity. Comparing the scores of several candidate
 * answers is zero-shot classification.
 *
 * Output: the mean NLL on stdout (suffix length and perplexity on stderr); with --json exactly one
 * object {"inputIds": [...], "suffixLength": S, "meanNll": n, "timings": {"loadMs": n, "scoreMs": n}}.
 *
 * Several --image options score the answer about all of them ("<image>" x N per image, in order).
 *
 * Leaves out: per-token NLLs, several candidate suffixes in one run.
 */
import { loadImage } from "@paligemma-ts/processor";
import { requireInputFile } from "../input_paths.ts";
import { loadModel, type ModelOptions, openModel } from "../load_model.ts";
import type { CliIO } from "../main.ts";

export interface ScoreOptions extends ModelOptions {
  /** One or more image files (several: one prompt about all of them, in order). */
  image: string[];
  prefix: string;
  suffix: string;
}

export interface ScoreJson {
  inputIds: number[];
  suffixLength: number;
  meanNll: number;
  timings: { loadMs: number; scoreMs: number };
}

export async function runScore(opts: ScoreOptions, io: CliIO): Promise<ScoreJson> {
  for (const f of opts.image) requireInputFile(f, "--image");
  const images = [];
  for (const f of opts.image) images.push(await loadImage(f));
  const opened = await openModel(opts, { prompt: opts.prefix, suffix: opts.suffix, newTokens: 0, numImages: images.length });
  const { model, loadMs } = await loadModel(opened, opts, io);

  const t0 = performance.now();
  const result = await model.score(images.length === 1 ? images[0] : images, opts.prefix, opts.suffix);
  const scoreMs = performance.now() - t0;

  const out: ScoreJson = {
    inputIds: result.inputIds,
    suffixLength: result.suffixLength,
    meanNll: result.meanNll,
    timings: { loadMs: round3(loadMs), scoreMs: round3(scoreMs) },
  };
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    io.stdout.write(`${out.meanNll.toFixed(6)}\n`);
    io.stderr.write(`paligemma: mean NLL over ${out.suffixLength} suffix tokens (<eos> included), perplexity ${Math.exp(out.meanNll).toPrecision(5)}; load ${loadMs.toFixed(0)} ms, score ${scoreMs.toFixed(1)} ms\n`);
  }
  return out;
}

const round3 = (ms: number) => Math.round(ms * 1000) / 1000;
