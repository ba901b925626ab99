/**
 * trainer.test.ts — `train()` end to end at a short, CI-sized configuration (the full run is a
 * documented command, not a test): the loss falls over 40 steps, the folder is a Hugging Face
 * checkpoint that PaliGemma.load runs, loss.csv / loss.png / trainer_state.json are written, and a
 * run killed after a checkpoint and resumed lands on exactly the weights of an uninterrupted run;
 * with stage0Steps the vision tower starts from stage 0's (written to `${out}-stage0`, reused when finished).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PaliGemma } from "@paligemma-ts/paligemma";
import { Checkpoint, releaseAllSessions } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { type TrainSettings, train } from "../src/index.ts";

const dir = mkdtempSync(join(tmpdir(), "trainer-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  releaseAllSessions();
});

const SHORT: Partial<TrainSettings> = { steps: 40, batch: 16, warmup: 5, lr: 3e-3, evalEvery: 25, evalPerTask: 2, targets: 160, seed: 3, stage0Steps: 0 };
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function weights(out: string): Map<string, Float32Array> {
  const ckpt = Checkpoint.open(out);
  const w = new Map(ckpt.names().map((n) => [n, ckpt.read(n).toFloat32()]));
  ckpt.close();
  return w;
}

describe("train (40 steps of 16)", () => {
  const out = join(dir, "run");
  it("the loss falls, the checkpoint loads and answers, the curve and state are written", async () => {
    const log = await train(out, SHORT);
    const first = mean(log.slice(0, 5).map((r) => r.loss));
    const last = mean(log.slice(-5).map((r) => r.loss));
    console.log(`loss: first 5 steps ${first.toFixed(3)}, last 5 ${last.toFixed(3)}; validation at the end ${JSON.stringify(log.at(-1)!.val)}`);
    expect(log).toHaveLength(40);
    expect(last).toBeLessThan(0.6 * first); // ln(1493) = 7.3 at the start; the grammar alone is learned in tens of steps
    for (const f of ["config.json", "model.safetensors", "tokenizer.model", "loss.csv", "loss.png", "trainer_state.json", "optimizer.safetensors"]) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, "loss.csv"), "utf8").trim().split("\n")).toHaveLength(41);
    const model = await PaliGemma.load(out);
    const { texts } = await model.generate({ images: [{ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) }], prompts: ["caption en"], maxNewTokens: 8 });
    expect(texts[0]).toMatch(/^a /); // the caption grammar: "a <color> <shape> ..."
    await model.dispose();
  }, 300_000);
  it("killed at step 30 (last checkpoint: 25) and resumed, it ends on the uninterrupted run's weights exactly", async () => {
    const resumed = join(dir, "resumed");
    const crash = train(resumed, SHORT, { onStep: (r) => { if (r.step === 30) throw new Error("simulated crash"); } });
    await expect(crash).rejects.toThrow("simulated crash");
    expect(JSON.parse(readFileSync(join(resumed, "trainer_state.json"), "utf8")).step).toBe(25);
    const log = await train(resumed, {}, { resume: true });
    expect(log.map((r) => r.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const [a, b] = [weights(out), weights(resumed)];
    let worst = 0;
    for (const [n, w] of a) for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i] - b.get(n)![i]));
    console.log(`resumed vs uninterrupted: max |dw| = ${worst}`);
    expect(worst).toBe(0);
  }, 300_000);
});

describe("train with stage0Steps", () => {
  it("pretrains the tower into out-stage0, starts stage 1 from exactly its weights, and reuses a finished stage 0", async () => {
    const out = join(dir, "staged");
    const lines: string[] = [];
    const settings: Partial<TrainSettings> = { ...SHORT, steps: 1, lr: 1e-12, warmup: 1, evalEvery: 0, stage0Steps: 2 };
    await train(out, settings, { log: (l) => lines.push(l) });
    expect(JSON.parse(readFileSync(join(`${out}-stage0`, "trainer_state.json"), "utf8")).step).toBe(2);
    const [tower, trained] = [weights(`${out}-stage0`), weights(out)];
    const names = [...trained.keys()].filter((n) => n.startsWith("vision_tower."));
    expect(names.length).toBeGreaterThan(10);
    let worst = 0; // one step at lr 1e-12 moves a weight by at most ~1e-12 (AdamW's step is ~lr in size)
    for (const n of names) for (let i = 0; i < trained.get(n)!.length; i++) worst = Math.max(worst, Math.abs(trained.get(n)![i] - tower.get(n)![i]));
    console.log(`stage-1 tower vs stage 0's: max |dw| = ${worst.toExponential(1)}`);
    expect(worst).toBeLessThan(1e-6);
    expect(lines.some((l) => l.startsWith("stage 0 (siglip)"))).toBe(true);
    lines.length = 0;
    rmSync(join(out, "trainer_state.json"));
    await train(out, settings, { log: (l) => lines.push(l) });
    expect(lines).toContain(`stage 0: reusing the finished ${out}-stage0`);
  }, 300_000);
});
