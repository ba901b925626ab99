/**
 * kernels.ts — the two `Kernels`: run a block eagerly with the reference kernels, or compile it into
 * one onnxruntime session; and `runOps`, the same choice for a few ops at a time (tests, lessons).
 *
 * Teaches: what "a backend" is once every layer is written against `Ops`: only the way a block is
 * run. `ReferenceKernels(get)` calls the block's forward with `EagerOps` (weights from `get`, in JS
 * memory); `OnnxKernels(params)` calls the SAME forward with `GraphOps` over a fresh Graph whose
 * weights `params` binds (CheckpointWeights: memory-mapped / cached / quantized; TensorParams:
 * embedded), and creates the session. A block that uses a quantized linear gets ORT weight
 * prepacking (MatMulNBits needs it); float32 blocks keep their weights memory-mapped (no prepack).
 * Before building a block's graph, OnnxKernels waits for the weights that block binds
 * (`params.ready`, found by a dry build: blockParamNames), so sessions can be created while other
 * weights are still being converted.
 *
 * Reference: block.ts (the contract), eager_ops.ts, graph_ops.ts.
 * Leaves out: mixing kernel sets inside one model (each model uses one).
 */
import { ArgumentError } from "../errors.ts";
import { CheckpointWeights, type CheckpointWeightsOptions } from "../onnx/checkpoint_weights.ts";
import type { Checkpoint } from "../safetensors/checkpoint.ts";
import { Graph, type Value } from "../onnx/graph.ts";
import { type SessionOptions, createSession, getSession } from "../onnx/session.ts";
import { Tensor } from "../tensor.ts";
import type { Block, BlockRunner, Kernels } from "./block.ts";
import { EagerOps, type ParamGetter } from "./eager_ops.ts";
import { embedding } from "../ops/embedding.ts";
import { type GraphParams, GraphOps, TensorParams } from "./graph_ops.ts";
import type { Ops } from "./ops.ts";

/** Feeds must name exactly the block's inputs. */
function checkFeeds(block: Block, feeds: Readonly<Record<string, Tensor>>): void {
  for (const name of Object.keys(block.inputs)) {
    if (!(feeds[name] instanceof Tensor)) throw new ArgumentError(`block ${block.name}: missing input "${name}" (inputs: ${Object.keys(block.inputs).join(", ")})`);
  }
}

function pick(out: Record<string, Tensor>, fetch: readonly string[] | undefined, block: string): Record<string, Tensor> {
  if (!fetch) return out;
  const r: Record<string, Tensor> = {};
  for (const k of fetch) {
    if (!out[k]) throw new ArgumentError(`block ${block}: no output "${k}" (outputs: ${Object.keys(out).join(", ")})`);
    r[k] = out[k];
  }
  return r;
}

/** Blocks run eagerly with the plain-TS reference kernels on weights from `get`. */
export class ReferenceKernels implements Kernels {
  readonly kind = "reference";
  private readonly ops: EagerOps;
  constructor(private readonly get: ParamGetter) {
    this.ops = new EagerOps(get);
  }
  async compile(block: Block): Promise<BlockRunner> {
    const ops = this.ops;
    return {
      name: block.name,
      async run(feeds, fetch) {
        checkFeeds(block, feeds);
        return pick(block.forward(ops, feeds), fetch, block.name);
      },
      async dispose() {},
    };
  }
  rows(name: string, ids: readonly (readonly number[])[]): Tensor {
    return embedding(ids, this.get(name));
  }
  async dispose(): Promise<void> {}
}

/** The graph of `block` built with GraphOps over `params`; `quantized` says if any linear is. */
export function blockGraph(block: Block, params: GraphParams): { graph: Graph; quantized: boolean } {
  const g = new Graph(block.name);
  const inputs: Record<string, Value> = {};
  for (const [name, i] of Object.entries(block.inputs)) inputs[name] = g.input(name, i.dtype, i.dims);
  const ops = new GraphOps(g, params);
  for (const [name, v] of Object.entries(block.forward(ops, inputs))) g.output(v, name);
  return { graph: g, quantized: ops.quantized };
}

/**
 * The parameter names `block` binds: its graph built once against a recorder that hands out
 * placeholder values (nothing is read), so a caller can wait for exactly those weights.
 */
export function blockParamNames(block: Block): string[] {
  const names = new Set<string>();
  const recorder: GraphParams = {
    tensor: (g, name) => (names.add(name), g.input(`param:${name}`, "float32", [])),
    linearWeight: (_g, name, float) => (names.add(name), { kind: "float", weight: float() }),
    rows: () => {
      throw new ArgumentError(`blockParamNames(${block.name}): a block reads no embedding rows`);
    },
  };
  blockGraph(block, recorder);
  return [...names];
}

/** Blocks compiled into onnxruntime sessions, weights bound by `params`. */
export class OnnxKernels implements Kernels {
  readonly kind = "onnx";
  constructor(
    readonly params: GraphParams,
    private readonly options: SessionOptions = {},
    private readonly onDispose?: () => void,
  ) {}
  async compile(block: Block): Promise<BlockRunner> {
    if (this.params.ready) await this.params.ready(blockParamNames(block)); // e.g. cache files still being made
    const { graph, quantized } = blockGraph(block, this.params);
    const session = await createSession(graph, { ...this.options, ...this.params.sessionOptions?.(quantized) });
    return {
      name: block.name,
      run: (feeds, fetch) => {
        checkFeeds(block, feeds);
        return session.run(feeds, fetch);
      },
      dispose: () => session.dispose(),
    };
  }
  rows(name: string, ids: readonly (readonly number[])[]): Tensor {
    return this.params.rows(name, ids);
  }
  async dispose(): Promise<void> {
    this.onDispose?.();
  }
}

export interface CheckpointKernelOptions extends CheckpointWeightsOptions {
  /** ONNX session options (device, threads). */
  session?: SessionOptions;
  /** Reference kernels: read only these tensors (default every one). */
  names?: readonly string[];
  /** Reference kernels: progress of reading tensors into memory. */
  onRead?: (done: number, total: number, name: string) => void;
}

/**
 * The kernels over a checkpoint: "reference" reads every (or every named) tensor into memory as
 * float32 and runs the plain-TS kernels; "onnx" binds each tensor where it lies (CheckpointWeights:
 * memory-mapped, cached, quantized by `plan`) and compiles sessions. Dispose closes the row readers.
 */
export function checkpointKernels(kind: "reference" | "onnx", ckpt: Checkpoint, options: CheckpointKernelOptions = {}): Kernels {
  if (kind === "reference") return new ReferenceKernels(TensorParams.fromCheckpoint(ckpt, options.names, options.onRead).get);
  if (kind !== "onnx") throw new ArgumentError(`kernels must be "reference" or "onnx", got ${JSON.stringify(kind)}`);
  const { session, names: _names, onRead: _onRead, ...weightOptions } = options; // every CheckpointWeights option (plan, cache, halfToFloat, log)
  const weights = new CheckpointWeights(ckpt, weightOptions);
  return new OnnxKernels(weights, session, () => weights.close());
}

/** A few ops written once against Ops: returns one value, or named values. */
export type OpsFn<R> = <T>(ops: Ops<T>, x: Record<string, T>) => R extends "many" ? Record<string, T> : T;

/**
 * Run a few ops once, on concrete tensors: `fn` is called with EagerOps ("reference") or builds a
 * one-off graph with GraphOps ("onnx"; sessions are cached by graph content). `params` holds the
 * named weights the ops refer to. `runOps` returns fn's one value; `runOpsMany` its named values.
 */
export async function runOps(kind: "reference" | "onnx", fn: OpsFn<"one">, inputs: Record<string, Tensor>, params: Record<string, Tensor> | TensorParams = {}, options: SessionOptions = {}): Promise<Tensor> {
  return (await runOpsMany(kind, (ops, x) => ({ y: fn(ops, x) }), inputs, params, options)).y;
}

export async function runOpsMany(kind: "reference" | "onnx", fn: OpsFn<"many">, inputs: Record<string, Tensor>, params: Record<string, Tensor> | TensorParams = {}, options: SessionOptions = {}): Promise<Record<string, Tensor>> {
  const p = params instanceof TensorParams ? params : new TensorParams(params);
  if (kind === "reference") return fn(new EagerOps(p.get), inputs);
  const block: Block = {
    name: "ops",
    inputs: Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, { dtype: t.dtype, dims: t.shape }])),
    forward: (ops, x) => fn(ops, x as Record<string, never>),
  };
  const { graph } = blockGraph(block, p);
  return (await getSession(graph, options)).run(inputs);
}
