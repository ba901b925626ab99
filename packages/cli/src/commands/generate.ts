/**
 * commands/generate.ts — `paligemma generate`: one or more images + one prompt -> the model's answer.
 *
 * Teaches: the whole inference pipeline seen from outside:
 *
 *   loadImage(file)... -> PaliGemma.load(dir) -> generate({ images, prompts, ... }) -> text
 *                                 detect / segment: -> boxes (+ masks via the VQ-VAE decoder) -> JSON, PNG
 *
 * Output contract:
 *   default    the answer on stdout, one line; timings on stderr
 *   --stream   the answer on stdout as tokens arrive (the library's TokenEvent.text deltas, which
 *              hold back an unfinished byte-fallback character), then a newline; with --num-beams /
 *              --best-of the tokens arrive once the answer is chosen
 *   --json     exactly one JSON object on stdout:
 *              {"inputIds": [...], "generatedIds": [...], "text": "...",
 *               "timings": {"loadMs": n, "visionMs": n, "prefillMs": n, "decodeMsPerToken": n}}
 *              plus "objects": [{label, box, mask?}] for "detect ..." / "segment ..." prompts (objects.ts:
 *              masks as COCO RLE), and "score" with --num-beams / --best-of
 *   --draw F   also parse the answer's boxes (and decode its masks) and save the first input photo
 *              (original size) with them drawn to F (PNG); a note on stderr says what was drawn.
 * Several --image options make one prompt with several images ("<image>" x N each, in order).
 *
 * Greedy decoding unless --temperature / --top-k / --top-p (sampling), --num-beams (beam search) or
 * --best-of (best of n samples) is given (option_values.ts).
 *
 * Leaves out: batches of prompts (the library takes them; the CLI is one prompt at a time).
 */
import type { MaskDecoder } from "@paligemma-ts/paligemma";
import { extname } from "node:path";
import { imageMimeForPath, loadImage } from "@paligemma-ts/processor";
import { CliUsageError } from "../errors.ts";
import { type NamedInput, requireInputFile, requireOutputPath } from "../input_paths.ts";
import { loadModel, type ModelOptions, openModel } from "../load_model.ts";
import { samplingFromOptions } from "../option_values.ts";
import type { CliIO } from "../main.ts";
import { type ObjectJson, answerObjects, drawObjects, findMaskDecoder } from "./objects.ts";

export interface GenerateOptions extends ModelOptions {
  /** One or more image files (several: one prompt about all of them, in order). */
  image: string[];
  prompt: string;
  maxNewTokens: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed: number;
  ignoreEos?: boolean;
  stream?: boolean;
  draw?: string;
  numBeams?: number;
  lengthPenalty?: number;
  bestOf?: number;
  /** The VQ-VAE mask decoder file (default: defaultMaskDecoderPath()). */
  vae?: string;
}

/** What `--json` prints (the schema documented in the README). */
export interface GenerateJson {
  inputIds: number[];
  generatedIds: number[];
  text: string;
  timings: { loadMs: number; visionMs: number; prefillMs: number; decodeMsPerToken: number };
  /** Present for "detect ..." and "segment ..." prompts (possibly empty). */
  objects?: ObjectJson[];
  /** Beam search: sum log p / length ^ lengthPenalty; best-of-n: mean log p. */
  score?: number;
}

export async function runGenerate(opts: GenerateOptions, io: CliIO): Promise<GenerateJson> {
  const files = opts.image;
  for (const f of files) requireInputFile(f, "--image");
  if (opts.vae !== undefined) requireInputFile(opts.vae, "--vae");
  if (opts.draw !== undefined) checkDrawPath(opts.draw, [...files.map((path) => ({ path, what: "--image" })), ...(opts.vae ? [{ path: opts.vae, what: "--vae" }] : [])]);
  if (opts.numBeams !== undefined && opts.bestOf !== undefined) throw new CliUsageError("--num-beams (beam search) and --best-of (best of n samples) cannot be combined");
  if (opts.lengthPenalty !== undefined && opts.numBeams === undefined) throw new CliUsageError("--length-penalty only applies to beam search: add --num-beams N");
  let sampling = samplingFromOptions(opts);
  if (opts.bestOf !== undefined && sampling.temperature === 0 && opts.temperature === undefined) sampling = { temperature: 1 }; // best-of samples: temperature 1 unless told
  if (opts.numBeams !== undefined && sampling.temperature !== 0) throw new CliUsageError("--num-beams is deterministic: drop --temperature / --top-k / --top-p (or use --best-of N to sample)");
  const images = [];
  for (const f of files) images.push(await loadImage(f)); // before the model: a bad image fails in milliseconds
  const opened = await openModel(opts, { prompt: opts.prompt, newTokens: opts.maxNewTokens, numImages: files.length }); // config, tokenizer, headers, prompt length: before the weights
  const { model, loadMs } = await loadModel(opened, opts, io);

  // Each event's text is what its token adds to `texts[0]` (the events add up to it exactly).
  const result = await model.generate({
    images: [images.length === 1 ? images[0] : images],
    prompts: [opts.prompt],
    maxNewTokens: opts.maxNewTokens,
    ...sampling,
    seed: opts.seed,
    ignoreEos: opts.ignoreEos ?? false,
    numBeams: opts.numBeams,
    lengthPenalty: opts.lengthPenalty,
    bestOf: opts.bestOf,
    onToken: opts.stream ? (e) => void io.stdout.write(e.text) : undefined,
  });

  const t = result.timings;
  const out: GenerateJson = {
    inputIds: result.inputIds[0],
    generatedIds: result.generatedIds[0],
    text: result.texts[0],
    timings: {
      loadMs: round3(loadMs),
      visionMs: round3(t.visionMs),
      prefillMs: round3(t.prefillMs),
      decodeMsPerToken: round3(t.decodeMsPerToken), // decodeMs / (tokens - 1): the first comes from the prefill
    },
  };
  if (result.scores) out.score = result.scores[0];

  // Boxes and masks refer to the first image (the answer's text keeps its <loc> / <seg> tokens).
  const decoder = await loadMaskDecoder(opts, out.text, io);
  const found = await answerObjects(out.text, images[0], decoder);
  await decoder?.dispose();
  if (/^\s*(detect|segment)\b/i.test(opts.prompt)) out.objects = found.json; // the two structured tasks

  if (opts.json) io.stdout.write(`${JSON.stringify(out)}\n`);
  else if (opts.stream) io.stdout.write("\n");
  else io.stdout.write(`${out.text}\n`);

  if (opts.draw) await drawObjects(images[0], found, opts.draw, io);
  if (!opts.json) io.stderr.write(`${timingLine(out)}\n`);
  return out;
}

/** --draw: a writable image path with a known extension, not one of the inputs (checked before the model loads). */
function checkDrawPath(file: string, inputs: readonly NamedInput[]): void {
  requireOutputPath(file, "--draw", inputs);
  try {
    imageMimeForPath(file);
  } catch {
    throw new CliUsageError(`--draw '${file}': unknown image extension "${extname(file)}" (use .png, .jpg, .jpeg, .bmp, .gif, .tif or .tiff)`);
  }
}

/**
 * The mask decoder when the answer (or the prompt) is a segmentation and the decoder file is there;
 * otherwise null, with one stderr line saying that masks need it.
 */
async function loadMaskDecoder(opts: GenerateOptions, answer: string, io: CliIO): Promise<MaskDecoder | null> {
  const wantsMasks = /<seg\d{3}>/.test(answer) || /^\s*segment\b/i.test(opts.prompt);
  if (!wantsMasks) return null;
  const file = await findMaskDecoder(opts.vae, io);
  if (!file) return null;
  const { MaskDecoder } = await import("@paligemma-ts/paligemma");
  return MaskDecoder.load(file, { backend: opts.backend, device: opts.device });
}

function timingLine(o: GenerateJson): string {
  const t = o.timings;
  return `paligemma: ${o.generatedIds.length} tokens; load ${fmt(t.loadMs)} ms, vision ${fmt(t.visionMs)} ms, prefill ${fmt(t.prefillMs)} ms, decode ${fmt(t.decodeMsPerToken)} ms/token`;
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const round3 = (ms: number) => Math.round(ms * 1000) / 1000;
