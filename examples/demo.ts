/**
 * demo.ts — `pnpm demo`: a PaliGemma trained by this project answers questions about scenes it has
 * never seen, through the `paligemma` command, in under a minute.
 *
 * The model is models/tiny-paligemma: a ~2M-parameter PaliGemma (SigLIP + Gemma, the real
 * architecture at a tiny size) trained from scratch by `paligemma train` on the synthetic world of
 * packages/train (README "Training"). The demo:
 *
 *   1. writes fresh TEST scenes to out/demo/ (`paligemma scenes`; the test split never overlaps
 *      training; a new seed every run unless DEMO_SEED is set);
 *   2. asks the model, one command per task, as a user would type it: a caption, a VQA answer, an
 *      OCR read, and a detection with the boxes drawn to out/demo/detect-boxes.png; each answer is
 *      printed next to the right one;
 *   3. prints how often it is right on 100 more such scenes (`paligemma eval --scenes 25`: 25 per task).
 *
 * The random-weight checkpoints in fixtures/ remain the parity-test models; README "Real
 * checkpoints" says how to run Google's.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { detectionRecall, exactMatch } from "@paligemma-ts/train";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = fileURLToPath(new URL("../packages/cli/bin/paligemma.mjs", import.meta.url));
const MODEL = "models/tiny-paligemma";
const DIR = "out/demo";
const SEED = process.env.DEMO_SEED ?? String(1 + Math.floor(Math.random() * 4000)); // 0 is the README's eval seed

const quote = (a: string) => (/^[\w./=-]+$/.test(a) ? a : JSON.stringify(a));

/** Print the command, run it from the repo root (stderr shown), return its stdout; stop the demo if it fails. */
function paligemma(args: string[], echo = true): string {
  console.log(`\n$ pnpm paligemma ${args.map(quote).join(" ")}`);
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (r.status !== 0) {
    console.error(`demo: the command above failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
  if (echo) process.stdout.write(r.stdout);
  return r.stdout;
}

console.log(`paligemma-ts demo: ${MODEL}, a tiny PaliGemma trained from scratch by this project, on fresh test scenes (seed ${SEED}).`);
paligemma(["scenes", "--out", DIR, "--per-task", "1", "--seed", SEED], false);
type Box = { xmin: number; ymin: number; xmax: number; ymax: number };
const scenes: { file: string; task: string; prompt: string; answer: string; boxes?: Box[] }[] = JSON.parse(readFileSync(`${ROOT}${DIR}/scenes.json`, "utf8"));

/** Exact match for caption / VQA / OCR; for detection, how many true boxes the answer finds at IoU >= 0.5 (eval's rule). */
function verdict(s: (typeof scenes)[number], answer: string): string {
  if (s.task !== "detect") return exactMatch(answer, s.answer) ? "(exactly right)" : "(differs)";
  const label = s.prompt.replace(/^detect /, "");
  const { found, total } = detectionRecall(answer, s.boxes!.map((box) => ({ label, box })), { width: 64, height: 64 });
  return `(${found} of ${total} true boxes found at IoU >= 0.5)`;
}

for (const task of ["caption", "vqa", "ocr", "detect"]) {
  const s = scenes.find((x) => x.task === task)!;
  const draw = task === "detect" ? ["--draw", `${DIR}/detect-boxes.png`] : [];
  const answer = paligemma(["generate", "--model", MODEL, "--image", `${DIR}/${s.file}`, "--prompt", s.prompt, "--max-new-tokens", "32", ...draw]).trim();
  console.log(`   right answer: ${s.answer}   ${verdict(s, answer)}`);
}

console.log("\nHow often is it right? 25 more fresh test scenes per task (exact match; detection: boxes at IoU >= 0.5):");
paligemma(["eval", "--model", MODEL, "--scenes", "25", "--seed", SEED]);
console.log(`\nThe scenes are in ${DIR}/ (scenes.json has every prompt and answer), the drawn boxes in ${DIR}/detect-boxes.png.
Train your own: pnpm paligemma train --out out/my-model (README "Training"). Real checkpoints: README "Real checkpoints".`);
