import { train } from "../src/index.ts";
const out = process.argv[2] ?? "/tmp/tiny-smoke";
const steps = Number(process.argv[3] ?? 60);
await train(out, { steps, batch: 32, evalEvery: steps, evalPerTask: 10, warmup: 20 }, {
  log: (s) => console.log(s),
  onStep: (r) => { if (r.step % 10 === 0) console.log(`step ${r.step} loss ${r.loss.toFixed(4)} lr ${r.lr.toExponential(2)} norm ${r.gradNorm.toFixed(2)} ${r.stepMs.toFixed(0)} ms`); },
  onEval: (k, s) => console.log(`eval @${k}: ${s}`),
});
