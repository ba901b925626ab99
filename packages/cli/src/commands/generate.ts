/**
 * commands/generate.ts — `paligemma generate`: one image + one prompt -> the model's answer.
 *
 * Teaches: the whole inference pipeline seen from outside:
 *
 *   loadImage(file) -> PaliGemma.load(dir) -> generate({ images, prompts, ... }) -> text
 *                                                                 \-> parseDetections -> drawDetections -> PNG
 *
 * Output contract:
 *   default    the answer on stdout, one line; timings on stderr
 *   --stream   the answer on stdout as tokens arrive (the library's TokenEvent.text deltas, which
 *              hold back an unfinished byte-fallback character), then a newline
 *   --json     exactly one JSON object on stdout:
 *              {"inputIds": [...], "generatedIds": [...], "text": "...",
 *               "timings": {"loadMs": n, "visionMs": n, "prefillMs": n, "decodeMsPerToken": n}}
 *   --draw F   also parse "<loc>x4 label ; ..." in the answer and save the input photo (original
 *              size) with the boxes drawn to F (PNG); a note on stderr says how many boxes.
 *
 * Greedy decoding unless --temperature / --top-k / --top-p is given (option_values.ts).
 *
 * Leaves out: batches of images or prompts (the library takes them; the CLI is one-at-a-time),
 * segmentation masks (they need the VQ-VAE decoder weights).
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { drawDetections, loadImage, parseDetections, saveImage, type RgbImage } from "@paligemma-ts/processor";
import { requireInputFile } from "../input_paths.ts";
import { loadModel, type ModelOptions, openModel } from "../load_model.ts";
import { samplingFromOptions } from "../option_values.ts";
import type { CliIO } from "../main.ts";

export interface GenerateOptions extends ModelOptions {
  image: string;
  prompt: string;
  maxNewTokens: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed: number;
  ignoreEos?: boolean;
  stream?: boolean;
  draw?: string;
}

/** What `--json` prints (the schema documented in the README). */
export interface GenerateJson {
  inputIds: number[];
  generatedIds: number[];
  text: string;
  timings: { loadMs: number; visionMs: number; prefillMs: number; decodeMsPerToken: number };
}

export async function runGenerate(opts: GenerateOptions, io: CliIO): Promise<GenerateJson> {
  requireInputFile(opts.image, "--image");
  const image = await loadImage(opts.image); // before the model: a bad image fails in milliseconds
  const opened = await openModel(opts, { prompt: opts.prompt, newTokens: opts.maxNewTokens }); // config, tokenizer, headers, prompt length: before the weights
  const { model, loadMs } = await loadModel(opened, opts, io);

  // Each event's text is what its token adds to `texts[0]` (the events add up to it exactly).
  const result = await model.generate({
    images: [image],
    prompts: [opts.prompt],
    maxNewTokens: opts.maxNewTokens,
    ...samplingFromOptions(opts),
    seed: opts.seed,
    ignoreEos: opts.ignoreEos ?? false,
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

  if (opts.json) io.stdout.write(`${JSON.stringify(out)}\n`);
  else if (opts.stream) io.stdout.write("\n");
  else io.stdout.write(`${out.text}\n`);

  if (opts.draw) await drawBoxes(image, out.text, opts.draw, io);
  if (!opts.json) io.stderr.write(`${timingLine(out)}\n`);
  return out;
}

/** Parse the answer's boxes (pixels of the original photo), draw them, save a PNG. */
async function drawBoxes(image: RgbImage, text: string, file: string, io: CliIO): Promise<void> {
  const detections = parseDetections(text, { width: image.width, height: image.height });
  mkdirSync(dirname(resolve(file)), { recursive: true });
  await saveImage(drawDetections(image, detections), file);
  const shown = detections.slice(0, 5).map(({ label, box: b }) => `${JSON.stringify(label.trim())} [${b.xmin}, ${b.ymin}, ${b.xmax}, ${b.ymax}]`);
  if (detections.length > shown.length) shown.push(`... ${detections.length - shown.length} more`);
  const what = detections.length === 0 ? "no <loc> boxes found in the answer" : `${detections.length} box${detections.length === 1 ? "" : "es"}: ${shown.join(", ")}`;
  io.stderr.write(`paligemma: drew ${what} (x0, y0, x1, y1 in pixels of the ${image.width}x${image.height} image) -> ${file}\n`);
}

function timingLine(o: GenerateJson): string {
  const t = o.timings;
  return `paligemma: ${o.generatedIds.length} tokens; load ${fmt(t.loadMs)} ms, vision ${fmt(t.visionMs)} ms, prefill ${fmt(t.prefillMs)} ms, decode ${fmt(t.decodeMsPerToken)} ms/token`;
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const round3 = (ms: number) => Math.round(ms * 1000) / 1000;
