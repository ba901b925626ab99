/**
 * demo.ts — `pnpm demo`: the `paligemma` command end to end on a photo, in a few seconds.
 *
 * Runs the CLI exactly as a user would type it (node + tsx, no shell), twice, on the tiny PaliGemma 1
 * checkpoint in fixtures/paligemma-tiny (image size 56: the processor squashes the 451x300 photo):
 *
 *   1. "caption en", streamed token by token (--stream);
 *   2. "detect cat" with --draw: the answer's <loc> boxes drawn on the photo -> out/demo-detect.png.
 *
 * The tiny checkpoint's weights are RANDOM (it exists to test the math against the PyTorch
 * reference), so the words are gibberish; the point is that image decoding, the vision tower, the
 * decoder, sampling, detokenizing, box parsing and drawing all run. The last lines say how to run a
 * real checkpoint.
 *
 * Leaves out: downloading real weights (they are gated behind the Gemma license).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = fileURLToPath(new URL("../packages/cli/bin/paligemma.mjs", import.meta.url));

const MODEL = "fixtures/paligemma-tiny";
const IMAGE = "fixtures/images/chelsea.png";
const DRAWN = "out/demo-detect.png";

const quote = (a: string) => (/^[\w./=-]+$/.test(a) ? a : JSON.stringify(a));

/** Print the command, run it from the repo root with inherited stdio, stop the demo if it fails. */
function paligemma(args: string[]): void {
  console.log(`\n$ pnpm paligemma ${args.map(quote).join(" ")}`);
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`demo: the command above failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

console.log(`paligemma-ts demo: ${MODEL} is a tiny PaliGemma with RANDOM weights.`);
console.log("It checks that the whole pipeline runs; the text it prints is gibberish, not a description of the photo.");

paligemma(["generate", "--model", MODEL, "--image", IMAGE, "--prompt", "caption en", "--max-new-tokens", "8", "--stream"]);
paligemma(["generate", "--model", MODEL, "--image", IMAGE, "--prompt", "detect cat", "--max-new-tokens", "12", "--draw", DRAWN]);

console.log(`
Done. The weights above are random, so the caption is gibberish and the boxes are arbitrary (see ${DRAWN}).
To run a real checkpoint (accept the Gemma license on Hugging Face first):
  huggingface-cli download google/paligemma-3b-pt-224 --local-dir ~/models/paligemma-3b-pt-224
  pnpm paligemma generate --model ~/models/paligemma-3b-pt-224 --image ${IMAGE} --prompt "caption en"
  pnpm paligemma generate --model ~/models/paligemma-3b-pt-224 --image ${IMAGE} --prompt "detect cat" --draw out/cat.png`);
