/**
 * reference_train_step.ts — the same training step as train_step.ts, in plain TypeScript: the
 * forward on TapeOps (the reference kernels, recorded), the backward through the backward kernels,
 * then clipping and the AdamW reference update, in place.
 *
 * Teaches: what the fused ONNX step computes, one readable line per stage:
 *   loss  = spec.loss(tape, batch)                  EagerOps bit for bit, every call recorded
 *   g     = tape.backward(loss).params              dL/dw for every named weight, summed over uses
 *   norm  = sqrt(sum_w sum(g_w^2));  g_w *= min(1, clip / (norm + 1e-6))
 *   w, m, v = AdamW(w, g_w, m, v)                   adamw.ts, in place
 * It is the oracle of the graph step (one step of each from the same state must land on the same
 * weights) and the "reference" row of the training benchmark.
 *
 * References: train_step.ts (the fused step); autodiff/tape_ops.ts; adamw.ts.
 * Leaves out: speed (float64 accumulators, no threads, every activation kept on the tape).
 */
import { TapeOps } from "../autodiff/tape_ops.ts";
import { ArgumentError } from "../errors.ts";
import { Tensor, numel } from "../tensor.ts";
import { ADAMW_DEFAULTS, adamwStepScalars, adamwUpdate, clipFactor } from "./adamw.ts";
import type { OptimizerState, TrainStepSpec } from "./train_step_spec.ts";

export class ReferenceTrainStep {
  private readonly weights = new Map<string, Float32Array>();
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();

  constructor(
    readonly spec: TrainStepSpec,
    init: ReadonlyMap<string, Float32Array>,
    state?: OptimizerState,
    public step = state?.step ?? 0,
  ) {
    for (const s of spec.params) {
      const n = numel(s.shape);
      const w = init.get(s.name);
      if (!w || w.length !== n) throw new ArgumentError(`ReferenceTrainStep: initial weight "${s.name}" must have ${n} values ([${s.shape.join(", ")}]), got ${w ? w.length : "none"}`);
      this.weights.set(s.name, w.slice());
      this.m.set(s.name, state?.m.get(s.name)?.slice() ?? new Float32Array(n));
      this.v.set(s.name, state?.v.get(s.name)?.slice() ?? new Float32Array(n));
    }
  }

  /** One step on `batch` at learning rate `lr`: the loss and the gradient norm (before clipping). */
  async run(batch: Record<string, Tensor>, lr: number): Promise<{ loss: number; gradNorm: number }> {
    const shapes = new Map(this.spec.params.map((s) => [s.name, s.shape]));
    const tape = new TapeOps((name) => {
      const w = this.weights.get(name);
      if (!w) throw new ArgumentError(`ReferenceTrainStep: the loss uses weight "${name}", which is not among the ${this.weights.size} trained parameters`);
      return new Tensor("float32", shapes.get(name)!, w);
    });
    const loss = this.spec.loss(tape, batch);
    const grads = tape.backward(loss).params;
    let sq = 0;
    for (const g of grads.values()) for (const x of g.toFloat32()) sq += x * x;
    const norm = Math.sqrt(sq);
    const c = clipFactor(norm, this.spec.clip ?? 1);
    const h = this.spec.hyper ?? ADAMW_DEFAULTS;
    const s = adamwStepScalars(this.step + 1, lr, h);
    for (const p of this.spec.params) {
      const g = grads.get(p.name)?.toFloat32() ?? new Float32Array(numel(p.shape));
      const clipped = c === 1 ? g : g.map((x) => x * c);
      adamwUpdate(this.weights.get(p.name)!, clipped, this.m.get(p.name)!, this.v.get(p.name)!, s, p.decay, h);
    }
    this.step++;
    return { loss: loss.item(), gradNorm: norm };
  }

  params(): Map<string, Float32Array> {
    return this.weights;
  }

  state(): OptimizerState {
    return { step: this.step, m: this.m, v: this.v };
  }

  async dispose(): Promise<void> {}
}
