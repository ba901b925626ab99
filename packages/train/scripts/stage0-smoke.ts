import { trainStage0 } from "../src/index.ts";
const loss = (process.argv[2] ?? "siglip") as "siglip" | "clip";
await trainStage0(`/tmp/stage0-${loss}`, { loss, steps: Number(process.argv[3] ?? 40), batch: 32, evalEvery: Number(process.argv[3] ?? 40), evalScenes: 100, warmup: 10 }, {
  log: (s) => console.log(s), onStep: (r) => { if (r.step % 10 === 0) console.log(`step ${r.step} loss ${r.loss.toFixed(4)} ${r.stepMs.toFixed(0)} ms`); }, onEval: (s, a) => console.log(`zero-shot @${s}: ${(100 * a).toFixed(1)}%`),
});
