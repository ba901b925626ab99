/**
 * train_step.ts — one training step as ONE onnxruntime session: forward, backward, gradient
 * clipping and the AdamW update, with the weights and optimizer state in preallocated buffers.
 *
 * Teaches: what a training step is, as a graph:
 *   inputs   every parameter p, its moments m and v, the batch, and lr / bc1 / bc2 (scalars)
 *   forward  loss = spec.loss(GraphOps, batch)   the model's own layers, parameters as graph inputs
 *   backward g_p = d loss / d p                  reverse-mode autodiff over the same graph (autodiff/)
 *   clip     norm = sqrt(sum_p sum(g_p^2)),  g_p *= min(1, clip / (norm + 1e-6))
 *   update   p', m', v' = AdamW(p, g_p, m, v)    (adamw.ts; decay per parameter)
 *   outputs  loss, grad_norm, and p', m', v' of every parameter
 * The outputs are written into preallocated buffers (OnnxSession.run's `into`): two sets, A and B;
 * a step reads A and writes B, the next reads B and writes A (ping-pong: an update must never
 * overwrite a weight a later node of the same run still reads). So the model is never reallocated
 * and nothing is copied between steps besides the batch.
 * All shapes are fixed (the batch size and row length are part of the graph), which is what the
 * autodiff's shape inference needs and lets ORT plan memory once.
 *
 * References: DESIGN.md section 9 ("a step is one session run"); llm.c's train loop; PyTorch AdamW.
 * Leaves out: gradient accumulation over micro-batches, mixed precision, several devices.
 */
import { grad } from "../autodiff/grad.ts";
import { ArgumentError } from "../errors.ts";
import { GraphOps } from "../layer_ops/graph_ops.ts";
import { InputParams } from "../layer_ops/input_params.ts";
import { Graph, type Value } from "../onnx/graph.ts";
import { type OnnxSession, type SessionOptions, createSession } from "../onnx/session.ts";
import { Tensor, numel } from "../tensor.ts";
import { ADAMW_DEFAULTS, adamwStepScalars, adamwUpdateGraph } from "./adamw.ts";
import type { OptimizerState, TrainStepSpec } from "./train_step_spec.ts";

const out = (kind: "p" | "m" | "v", name: string) => `${kind}':${name}`;
const mName = (name: string) => `m:${name}`;
const vName = (name: string) => `v:${name}`;

/** The step's graph (see the header). */
export function trainStepGraph(spec: TrainStepSpec): Graph {
  const h = spec.hyper ?? ADAMW_DEFAULTS;
  const g = new Graph(spec.name);
  const params = new InputParams(new Map(spec.params.map((s) => [s.name, s.shape])));
  const p = new Map<string, Value>();
  const m = new Map<string, Value>();
  const v = new Map<string, Value>();
  for (const s of spec.params) {
    p.set(s.name, params.tensor(g, s.name)); // every parameter is an input, used or not
    m.set(s.name, g.input(mName(s.name), "float32", s.shape));
    v.set(s.name, g.input(vName(s.name), "float32", s.shape));
  }
  const batch: Record<string, Value> = {};
  for (const [k, i] of Object.entries(spec.inputs)) batch[k] = g.input(k, i.dtype, i.dims);
  const scalars = { lr: g.input("lr", "float32", []), bc1: g.input("bc1", "float32", []), bc2: g.input("bc2", "float32", []) };
  const loss = spec.loss(new GraphOps(g, params), batch);
  g.output(loss, "loss");
  const names = spec.params.map((s) => s.name);
  const grads = grad(g, loss, names.map((n) => p.get(n)!));
  const squares = grads.map((d) => g.op("ReduceSum", [g.op("Mul", [d, d])], { keepdims: 0 })); // sum(g^2) per parameter
  const norm = g.op("Sqrt", [squares.reduce((a, b) => g.op("Add", [a, b]))]);
  g.output(norm, "grad_norm");
  const clip = spec.clip ?? 1;
  const scale = Number.isFinite(clip) ? g.op("Min", [g.constant(1, "float32", "one"), g.op("Div", [g.constant(clip, "float32", "clip"), g.op("Add", [norm, g.constant(1e-6, "float32", "tiny")])])]) : null;
  spec.params.forEach((s, i) => {
    const clipped = scale ? g.op("Mul", [grads[i], scale]) : grads[i];
    const u = adamwUpdateGraph(g, p.get(s.name)!, clipped, m.get(s.name)!, v.get(s.name)!, scalars, s.decay, h);
    g.output(u.p, out("p", s.name));
    g.output(u.m, out("m", s.name));
    g.output(u.v, out("v", s.name));
  });
  return g;
}

/** A compiled training step with its two buffer sets. */
export class TrainStep {
  private cur = 0;
  private constructor(
    readonly spec: TrainStepSpec,
    private readonly session: OnnxSession,
    private readonly sets: [Map<string, Tensor>, Map<string, Tensor>],
    public step: number,
  ) {}

  /** Build the graph, create its session, copy `init` (and optionally resumed moments) into buffer set A. */
  static async create(spec: TrainStepSpec, init: ReadonlyMap<string, Float32Array>, state?: OptimizerState, options: SessionOptions = {}): Promise<TrainStep> {
    const sets: [Map<string, Tensor>, Map<string, Tensor>] = [new Map(), new Map()];
    for (const s of spec.params) {
      const n = numel(s.shape);
      const w = init.get(s.name);
      if (!w || w.length !== n) throw new ArgumentError(`TrainStep: initial weight "${s.name}" must have ${n} values ([${s.shape.join(", ")}]), got ${w ? w.length : "none"}`);
      for (const set of sets) {
        set.set(s.name, new Tensor("float32", s.shape, new Float32Array(n)));
        set.set(mName(s.name), new Tensor("float32", s.shape, new Float32Array(n)));
        set.set(vName(s.name), new Tensor("float32", s.shape, new Float32Array(n)));
      }
      (sets[0].get(s.name)!.data as Float32Array).set(w);
      if (state) {
        (sets[0].get(mName(s.name))!.data as Float32Array).set(state.m.get(s.name) ?? new Float32Array(n));
        (sets[0].get(vName(s.name))!.data as Float32Array).set(state.v.get(s.name) ?? new Float32Array(n));
      }
    }
    const session = await createSession(trainStepGraph(spec), options);
    return new TrainStep(spec, session, sets, state?.step ?? 0);
  }

  /** One step on `batch` at learning rate `lr`: returns the loss and the gradient norm (before clipping). */
  async run(batch: Record<string, Tensor>, lr: number): Promise<{ loss: number; gradNorm: number }> {
    const s = adamwStepScalars(this.step + 1, lr, this.spec.hyper ?? ADAMW_DEFAULTS);
    const [src, dst] = [this.sets[this.cur], this.sets[1 - this.cur]];
    const feeds: Record<string, Tensor> = { ...batch, lr: Tensor.fromValues([s.lr], [], "float32"), bc1: Tensor.fromValues([s.bc1], [], "float32"), bc2: Tensor.fromValues([s.bc2], [], "float32") };
    for (const [k, t] of src) feeds[k] = t;
    const into: Record<string, Tensor> = {};
    for (const p of this.spec.params) {
      into[out("p", p.name)] = dst.get(p.name)!;
      into[out("m", p.name)] = dst.get(mName(p.name))!;
      into[out("v", p.name)] = dst.get(vName(p.name))!;
    }
    const res = await this.session.run(feeds, undefined, into);
    this.cur = 1 - this.cur;
    this.step++;
    return { loss: res.loss.item(), gradNorm: res.grad_norm.item() };
  }

  /** The current weights (views of the live buffer set: copy before the next step if you keep them). */
  params(): Map<string, Float32Array> {
    return new Map(this.spec.params.map((p) => [p.name, this.sets[this.cur].get(p.name)!.data as Float32Array]));
  }

  /** The current optimizer state (views, as params()). */
  state(): OptimizerState {
    const set = this.sets[this.cur];
    return {
      step: this.step,
      m: new Map(this.spec.params.map((p) => [p.name, set.get(mName(p.name))!.data as Float32Array])),
      v: new Map(this.spec.params.map((p) => [p.name, set.get(vName(p.name))!.data as Float32Array])),
    };
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
