/**
 * onnx_backend.ts — the ONNX backend: each kernel call builds (once per call signature) a graph
 * of one op with the builder functions in ./ops, and runs it in a cached onnxruntime session.
 *
 * Teaches: a "call signature" is what changes the graph — the kernel, the input ranks and dtypes,
 * attributes such as axis/eps/heads. Sizes are symbolic dims, so one session serves every shape
 * of that rank. Graph inputs are zero-copy views; the output is copied once by ORT.
 *
 * This is for tests, lessons and one-off ops. Models should fuse whole blocks into one graph with
 * the same builders (one `run` costs 12-20 us + ~3 us per input/output, shared/DESIGN.md section 4).
 * Inputs in float16/bfloat16 are converted to float32 first, matching the reference kernels.
 */
import { ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import type { Backend } from "./backend.ts";
import { Graph, type Value } from "./graph.ts";
import * as G from "./ops/index.ts";
import { type SessionOptions, runGraph } from "./session.ts";

const f32 = (t: Tensor): Tensor => (t.dtype === "float32" ? t : t.to("float32"));

/** Symbolic dims "x0", "x1", ... for an input of t's rank: sizes stay free, the rank is fixed. */
const symbolic = (name: string, t: Tensor): string[] => t.shape.map((_, i) => `${name}${i}`);

/** A Backend whose kernels run in onnxruntime with these session options. */
export function createOnnxBackend(options: SessionOptions = {}): Backend {
  const graphs = new Map<string, Graph>();

  /** Build (or reuse) the one-op graph for `key`, feed the tensors, return output "y". */
  async function run(key: string, inputs: Record<string, Tensor | null>, build: (g: Graph, x: Record<string, Value | null>) => Value): Promise<Tensor> {
    const feeds: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(inputs)) if (t) feeds[k] = f32(t);
    const sig = `${key}|${Object.entries(feeds).map(([k, t]) => `${k}:${t.rank}`).join(",")}|${Object.keys(inputs).filter((k) => !inputs[k]).join(",")}`;
    let g = graphs.get(sig);
    if (!g) {
      g = new Graph(key.split("|")[0]);
      const vals: Record<string, Value | null> = {};
      for (const [k, t] of Object.entries(inputs)) vals[k] = t ? g.input(k, "float32", symbolic(k, t)) : null;
      g.output(build(g, vals), "y");
      graphs.set(sig, g);
    }
    return (await runGraph(g, feeds, options)).y;
  }

  return {
    name: "onnx",
    matmul: (a, b) => run("matmul", { a, b }, (g, v) => G.matMul(g, v.a!, v.b!)),
    linear: (x, weight, bias = null) => run("linear", { x, weight, bias }, (g, v) => G.linear(g, v.x!, v.weight!, v.bias)),
    softmax: (x, axis = -1) => run(`softmax|${axis}`, { x }, (g, v) => G.softmax(g, v.x!, axis)),
    layerNorm: (x, weight, bias, eps = 1e-5) =>
      run(`layerNorm|${eps}`, { x, weight, bias }, (g, v) => G.layerNorm(g, v.x!, v.weight, v.bias, eps)),
    rmsNorm: (x, weight, eps = 1e-6, { unitOffset = true } = {}) =>
      run(`rmsNorm|${eps}|${unitOffset}`, { x, weight }, (g, v) => G.rmsNorm(g, v.x!, v.weight, eps, { unitOffset })),
    geluTanh: (x) => run("geluTanh", { x }, (g, v) => G.geluTanh(g, v.x!)),
    attention: (q, k, v, mask, { scale, softcap } = {}) => {
      if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
        throw new ShapeError(`onnx attention: q, k, v must be [B, H, T, D], got [${q.shape}], [${k.shape}], [${v.shape}]`);
      }
      const numHeads = q.shape[1];
      const numKvHeads = k.shape[1];
      const key = `attention|${numHeads}|${numKvHeads}|${scale}|${softcap}`;
      return run(key, { q, k, v, mask }, (g, x) => G.attention(g, x.q!, x.k!, x.v!, x.mask, { numHeads, numKvHeads, scale, softcap }));
    },
    patchEmbed: (pixels, weight, bias, patch) =>
      run(`patchEmbed|${patch}`, { pixels, weight, bias }, (g, v) => G.patchEmbed(g, v.pixels!, v.weight!, v.bias, patch)),
  };
}

/** The ONNX backend with default session options ($PALIGEMMA_DEVICE, $PALIGEMMA_THREADS). */
export const onnxBackend: Backend = createOnnxBackend();
