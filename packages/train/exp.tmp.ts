// usage: tsx exp.tmp.ts OUT STEPS [lr] [initDir] [sincos]
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Tensor, randNormal, seededRng, writeSafetensors } from "@paligemma-ts/tensor";
import { train } from "./src/index.ts";
const [out, steps, lr, init, mode] = process.argv.slice(2);
let initDir = init && init !== "-" ? init : undefined;
if (mode === "sincos") {
  initDir = `${out}-init`;
  mkdirSync(initDir, { recursive: true });
  const G = 8, D = 128, q = D / 4;
  const pe = new Float32Array(G * G * D);
  for (let gy = 0; gy < G; gy++) for (let gx = 0; gx < G; gx++) for (let k = 0; k < q; k++) {
    const w = 1 / 10000 ** (k / (q - 1));
    const r = (gy * G + gx) * D;
    pe[r + k] = Math.sin(gx * w); pe[r + q + k] = Math.cos(gx * w); pe[r + 2 * q + k] = Math.sin(gy * w); pe[r + 3 * q + k] = Math.cos(gy * w);
  }
  writeSafetensors(join(initDir, "model.safetensors"), {
    "vision_tower.vision_model.embeddings.position_embedding.weight": new Tensor("float32", [G * G, D], pe),
    "vision_tower.vision_model.embeddings.patch_embedding.weight": randNormal([D, 3, 8, 8], seededRng(99), 1 / Math.sqrt(192)),
  });
}
const t0 = Date.now();
const log = await train(out, { steps: Number(steps), evalEvery: 250, evalPerTask: 40, ...(lr && lr !== "-" ? { lr: Number(lr) } : {}), ...(initDir ? { init: initDir } : {}) }, {
  log: (l) => console.log(l),
  onStep: (r) => { if (r.step % 50 === 0) console.log(`step ${r.step} loss ${r.loss.toFixed(4)} ${r.stepMs.toFixed(0)} ms  t=${((Date.now() - t0) / 1000).toFixed(0)} s`); },
});
console.log("done", log.at(-1));
