/**
 * block.ts — a `Block`: one named piece of a model (a SigLIP encoder block, a Gemma decoder layer,
 * the LM head) with named inputs and outputs, written once against `Ops`; and `Kernels`, which
 * turns a block into something that runs.
 *
 * Teaches: the unit of execution. A model is a short list of blocks run in order by plain TS (the
 * model's `forward`), and each block is compiled once by the kernels the user chose:
 *   reference   run(feeds) calls block.forward with EagerOps on the feeds: the spec, step by step
 *   onnx        compile builds a Graph by calling block.forward with GraphOps on the graph's inputs,
 *               then one onnxruntime session; run(feeds) is one session.run
 * Feeds and results are Tensors either way, so the model's forward is the same code for both, and a
 * test can run a model on each kernel set and compare them tensor by tensor.
 * Why blocks are that size: a session.run costs 12-20 us plus ~3 us per input/output, and outputs are
 * copied (~0.6 ms/MiB), so one fused session per layer, returning only hidden states and the new
 * KV rows, is the sweet spot (shared/DESIGN.md section 4).
 *
 * References: tfjs `Backend`/kernel split; jax-js `jit`; llm.c's one function per layer.
 * Leaves out: several blocks per session, control flow between blocks inside a graph.
 */
import type { DType } from "../dtype.ts";
import type { Dim } from "../onnx/onnx_proto.ts";
import type { Tensor } from "../tensor.ts";
import type { Ops } from "./ops.ts";

/** Called with intermediate tensors by name ("vision.layer0", "text.layer3.output", ...). */
export type Trace = (name: string, value: Tensor) => void;

export interface BlockInput {
  dtype: DType;
  /** Numbers are fixed sizes, strings symbolic ones ("batch", "seq"). */
  dims: readonly Dim[];
}

export interface Block {
  readonly name: string;
  readonly inputs: Readonly<Record<string, BlockInput>>;
  /** The computation, once for every kernel set: named input values -> named output values. */
  forward<T>(ops: Ops<T>, inputs: Readonly<Record<string, T>>): Record<string, T>;
}

export interface BlockRunner {
  readonly name: string;
  /** Run on Tensors; returns every output, or only `fetch`. */
  run(feeds: Readonly<Record<string, Tensor>>, fetch?: readonly string[]): Promise<Record<string, Tensor>>;
  dispose(): Promise<void>;
}

export interface Kernels {
  readonly kind: "reference" | "onnx";
  /** Make `block` runnable (for onnx: build its graph and create its session). */
  compile(block: Block): Promise<BlockRunner>;
  /** Rows of the 2-D weight `name` for ids [B][T] -> [B, T, D] float32: an embedding lookup outside any block. */
  rows(name: string, ids: readonly (readonly number[])[]): Tensor;
  /** Release what the kernels hold (open checkpoint files). */
  dispose(): Promise<void>;
}

/**
 * Compile blocks one at a time, in order, reporting progress: the one `create` of every model.
 * One at a time bounds peak memory (a session being created may briefly hold two copies of its
 * weights, and quantizing happens here); the caller orders the largest block first.
 */
export async function compileBlocks(kernels: Kernels, blocks: readonly Block[], onCompiled?: (done: number, total: number, name: string) => void): Promise<BlockRunner[]> {
  const runners: BlockRunner[] = [];
  try {
    for (const b of blocks) {
      runners.push(await kernels.compile(b));
      onCompiled?.(runners.length, blocks.length, b.name);
    }
  } catch (e) {
    await Promise.all(runners.map((r) => r.dispose()));
    throw e;
  }
  return runners;
}
