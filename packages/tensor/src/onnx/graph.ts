/**
 * graph.ts — `Graph`: build an ONNX graph in readable TypeScript, one node per line of math.
 *
 * Teaches: an ONNX model is a list of nodes (op type + named inputs/outputs + attributes), named
 * graph inputs/outputs with types, and initializers (the weights). Building one reads like the math:
 *
 *   const g = new Graph("rms_norm");
 *   const x = g.input("x", "float32", ["batch", "seq", 2048]);  // symbolic and fixed dims
 *   const w = g.initializer("weight", weight);                  // stored as raw bytes in the model
 *   const y = g.op("RMSNormalization", [x, w], { axis: -1, epsilon: float(1e-6) });
 *   g.output(y, "y");
 *   const bytes = g.toBytes();                                  // a .onnx file
 *
 * Attribute values: integers (number/bigint) -> INT, `float(x)` -> FLOAT (explicit, because ORT
 * rejects an INT where the op spec says FLOAT, and `50` cannot tell which one you meant), strings
 * -> STRING, Tensor -> TENSOR, number[] -> INTS, `floats([...])` -> FLOATS, string[] -> STRINGS.
 *
 * Values remember their dtype where it is known (inputs, initializers, and outputs of ops whose
 * output type follows from their inputs); ORT's own shape inference does the rest.
 *
 * Read-only views for graph transformations (autodiff, ../autodiff/): `nodeList()` (the nodes in
 * insertion order, which is a topological order: a node can only read values that already exist),
 * `inputList()` (graph inputs with their dims), `initializerInfo(v)` (an initializer's dtype, shape
 * and, when it lives in memory, its Tensor: the Reshape shapes, axes and Slice bounds).
 *
 * Size: a serialized model must stay under 2 GiB (protobuf's limit), so a fused layer can keep its
 * weights inside, but a 257216 x 2048 float32 embedding (2.1 GB) must be an `externalInitializer`.
 * Initializers share the Tensor's buffer until `toBytes()` copies them into the model once.
 *
 * References: https://onnx.ai/onnx/intro/concepts.html ; https://onnx.ai/onnx/operators/
 * Leaves out: sub-graphs (If/Loop), graph-level optimizations (ORT does them); shapes are inferred by
 * ../autodiff/shape_inference.ts when a transformation needs them.
 */
import { createHash } from "node:crypto";
import { isAbsolute } from "node:path";
import { type DType, DTYPE_BYTES } from "../dtype.ts";
import { ArgumentError, DTypeError } from "../errors.ts";
import { Tensor, type Shape, numel } from "../tensor.ts";
import { type AttrValue, attrText, toAttribute } from "./attributes.ts";
import { type Dim, type NodeProtoMsg, type TensorProtoMsg, type AttributeValue, OnnxDataType, dtypeFromOnnx, encodeModel, onnxDataType } from "./onnx_proto.ts";

export { type AttrValue, type FloatAttr, type FloatsAttr, float, floats } from "./attributes.ts";

/** Default opset of the ai.onnx domain (opset 23 has Attention, RMSNormalization, RotaryEmbedding). */
export const DEFAULT_OPSET = 23;
/** IR version 10 goes with opset 21-23 (ORT 1.30 accepts up to IR 13 / opset 26). */
export const DEFAULT_IR_VERSION = 10;
/** Opset of the com.microsoft contrib domain (always 1). */
export const MS_DOMAIN = "com.microsoft";

/** A named edge of the graph: a graph input, an initializer, or a node output. */
export class Value {
  constructor(
    readonly graph: Graph,
    /** Mutable only through `Graph.output(value, name)`, which may rename a node output. */
    public name: string,
    readonly dtype: DType | undefined,
    readonly kind: "input" | "initializer" | "node",
  ) {}
  toString(): string {
    return `Value(${this.name}: ${this.dtype ?? "?"})`;
  }
}

export interface NodeOptions {
  /** Operator domain: "" (ai.onnx, default) or "com.microsoft". */
  domain?: string;
  /** Number of outputs (default 1). */
  outputs?: number;
  /** Node name; output names derive from it. Made unique automatically. */
  name?: string;
  /** dtype of the outputs when the default rule (see `inferDType`) is wrong. */
  dtype?: DType;
}

/** A node as a graph transformation reads it (`Graph.nodeList()`); attribute values in ONNX form. */
export interface GraphNode {
  readonly opType: string;
  /** "" = ai.onnx, else e.g. "com.microsoft". */
  readonly domain: string;
  readonly name: string;
  /** `null` = an optional input left out (trailing ones are dropped). */
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
  readonly attributes: readonly { readonly name: string; readonly value: AttributeValue }[];
}

/** A graph input and its declared dims (numbers fixed, strings symbolic). */
export interface GraphInput {
  readonly value: Value;
  readonly dims: readonly Dim[];
}

/** An initializer's declared type; `tensor` is its data when it lives in memory (not external). */
export interface InitializerInfo {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly tensor?: Tensor;
}

interface NodeRecord extends GraphNode {
  inputs: (Value | null)[];
  outputs: Value[];
  attributes: { name: string; value: AttributeValue }[];
}

/** Ops whose output dtype is fixed rather than the first input's. */
const FIXED_OUTPUT_DTYPE: Record<string, DType> = {
  Shape: "int64", Size: "int64", ArgMax: "int64", ArgMin: "int64", NonZero: "int64",
  Equal: "bool", Less: "bool", LessOrEqual: "bool", Greater: "bool", GreaterOrEqual: "bool",
  Not: "bool", And: "bool", Or: "bool", Xor: "bool", IsNaN: "bool", IsInf: "bool",
};

export class Graph {
  readonly name: string;
  readonly opset: number;
  private readonly inputs: Value[] = [];
  private readonly inputDims = new Map<Value, readonly Dim[]>();
  private readonly outputs: { value: Value; dims?: readonly Dim[] }[] = [];
  private readonly initializers: { value: Value; proto: TensorProtoMsg; info: InitializerInfo }[] = [];
  private readonly initializerIndex = new Map<Value, InitializerInfo>();
  private readonly nodes: NodeRecord[] = [];
  private readonly usedNames = new Set<string>(); // value names (inputs, initializers, node outputs)
  private readonly nodeNames = new Set<string>(); // node names: a separate namespace in ONNX
  private readonly domains = new Set<string>();
  private counter = 0;
  private cache?: { bytes?: Uint8Array; signature?: string }; // cleared by every change

  constructor(name: string, options: { opset?: number } = {}) {
    this.name = name;
    this.opset = options.opset ?? DEFAULT_OPSET;
  }

  /** A graph input; dims are numbers (fixed) or strings (symbolic, e.g. "batch"). */
  input(name: string, dtype: DType, dims: readonly Dim[]): Value {
    const v = new Value(this, this.claim(name, false), dtype, "input");
    this.inputs.push(v);
    this.inputDims.set(v, [...dims]);
    return this.touch(v);
  }

  /** Mark `value` as a graph output, optionally under `name` (dims optional, ORT infers them). */
  output(value: Value, name?: string, dims?: readonly Dim[]): Value {
    this.own(value, "output");
    let v = value;
    if (name !== undefined && name !== value.name) {
      const renamable = value.kind === "node" && !this.outputs.some((o) => o.value === value);
      if (renamable) {
        const old = value.name;
        value.name = this.claim(name, false);
        this.usedNames.delete(old);
      } else {
        if (this.usedNames.has(name)) throw new ArgumentError(`Graph ${this.name}: name "${name}" is already used`);
        v = this.node("Identity", [value], {}, { name })[0]; // an input/initializer cannot be renamed
        this.usedNames.delete(v.name);
        v.name = this.claim(name, false);
      }
    }
    if (this.outputs.some((o) => o.value === v)) throw new ArgumentError(`Graph ${this.name}: ${v.name} is already an output`);
    this.outputs.push({ value: v, dims });
    this.touch(v);
    return v;
  }

  /**
   * A weight stored inside the model as raw little-endian bytes (shares the tensor's buffer).
   * `int8`: a uint8 tensor's bytes are typed INT8 (two's complement) in the model, e.g. the weights
   * of DynamicQuantizeMatMul (dynamic_quantize_matmul.ts); Tensor has no int8 dtype.
   */
  initializer(name: string, tensor: Tensor, opts: { int8?: boolean } = {}): Value {
    return this.addInitializer(this.claim(name, false), tensor, opts.int8);
  }

  private addInitializer(name: string, tensor: Tensor, int8 = false): Value {
    const v = new Value(this, name, tensor.dtype, "initializer");
    const d = tensor.data;
    const rawData = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    this.addInitializerRecord(v, { name: v.name, dataType: this.typeCode(tensor.dtype, int8, name), dims: tensor.shape, rawData }, { dtype: tensor.dtype, shape: tensor.shape, tensor });
    return this.touch(v);
  }

  /**
   * A weight that stays in a file: `location` is relative to the folder passed to the session as
   * `externalDataFolder` (ORT refuses absolute paths); `offset`/`length` are in bytes, so a weight
   * can point straight into a `.safetensors` payload.
   */
  externalInitializer(name: string, dtype: DType, shape: Shape, ext: { location: string; offset: number; length: number }, opts: { int8?: boolean } = {}): Value {
    if (isAbsolute(ext.location) || ext.location.split(/[\\/]/).includes("..")) {
      throw new ArgumentError(`externalInitializer ${name}: location "${ext.location}" must be a path relative to the external data folder (ORT refuses absolute paths and "..")`);
    }
    const expected = numel(shape) * DTYPE_BYTES[dtype];
    if (ext.length !== expected) {
      throw new ArgumentError(`externalInitializer ${name}: length ${ext.length} bytes, but ${dtype} [${shape.join(", ")}] needs ${expected}`);
    }
    const v = new Value(this, this.claim(name, false), dtype, "initializer");
    this.addInitializerRecord(v, { name: v.name, dataType: this.typeCode(dtype, opts.int8 ?? false, name), dims: shape, external: { ...ext } }, { dtype, shape: [...shape] });
    return this.touch(v);
  }

  private addInitializerRecord(value: Value, proto: TensorProtoMsg, info: InitializerInfo): void {
    this.initializers.push({ value, proto, info });
    this.initializerIndex.set(value, info);
  }

  /** TensorProto data type of an initializer: uint8 bytes may be declared INT8 (code 3). */
  private typeCode(dtype: DType, int8: boolean, name: string): number {
    if (!int8) return onnxDataType(dtype);
    if (dtype !== "uint8") throw new ArgumentError(`Graph ${this.name}: initializer ${name} typed int8 must hold uint8 bytes, got ${dtype}`);
    return OnnxDataType.INT8;
  }

  /** A constant: a Tensor, or numbers with a dtype (a single number gives a scalar, shape []). */
  constant(value: Tensor | number | readonly number[], dtype: DType = "float32", name = "const"): Value {
    const t = value instanceof Tensor ? value : typeof value === "number" ? Tensor.fromValues([value], [], dtype) : Tensor.fromValues(value, [value.length], dtype);
    return this.addInitializer(this.claim(name, true), t);
  }

  /** Add one node; returns its outputs. `null` inputs are optional inputs left out. */
  node(opType: string, inputs: readonly (Value | null)[], attrs: Record<string, AttrValue> = {}, opts: NodeOptions = {}): Value[] {
    for (const i of inputs) if (i) this.own(i, `${opType} input`);
    const domain = opts.domain ?? "";
    if (domain) this.domains.add(domain);
    const name = this.claim(opts.name ?? opType, true, this.nodeNames);
    const count = opts.outputs ?? 1;
    const dtype = opts.dtype ?? inferDType(opType, inputs, attrs);
    const outputs = Array.from({ length: count }, (_, i) => new Value(this, this.claim(i === 0 ? name : `${name}:${i}`, true), dtype, "node"));
    const attributes = Object.entries(attrs).map(([k, v]) => ({ name: k, value: toAttribute(`${opType}.${k}`, v) }));
    const used = [...inputs];
    while (used.length && used[used.length - 1] === null) used.pop(); // trailing optional inputs are simply left off
    this.nodes.push({ opType, domain, name, inputs: used, outputs, attributes });
    this.touch();
    return outputs;
  }

  /** Single-output shorthand for `node`. */
  op(opType: string, inputs: readonly (Value | null)[], attrs: Record<string, AttrValue> = {}, opts: NodeOptions = {}): Value {
    return this.node(opType, inputs, attrs, { ...opts, outputs: 1 })[0];
  }

  get inputNames(): string[] {
    return this.inputs.map((v) => v.name);
  }
  get outputNames(): string[] {
    return this.outputs.map((o) => o.value.name);
  }
  get nodeCount(): number {
    return this.nodes.length;
  }

  /**
   * The nodes in insertion order, a topological order (read-only and live: nodes added later appear
   * at the end, so a transformation that adds nodes takes `slice()` first).
   */
  nodeList(): readonly GraphNode[] {
    return this.nodes;
  }

  /** The graph inputs in declaration order, with their dims. */
  inputList(): readonly GraphInput[] {
    return this.inputs.map((value) => ({ value, dims: this.inputDims.get(value)! }));
  }

  /** dtype, shape and (in-memory ones) data of an initializer or constant; undefined for other values. */
  initializerInfo(value: Value): InitializerInfo | undefined {
    return this.initializerIndex.get(value);
  }

  /** The serialized ModelProto (memoized until the graph changes or `releaseBytes()`). */
  toBytes(): Uint8Array {
    if (this.cache?.bytes) return this.cache.bytes;
    const bytes = this.serialize();
    if (bytes.byteLength > 2 ** 31 - 1) {
      throw new ArgumentError(`Graph ${this.name}: ${bytes.byteLength} bytes exceeds protobuf's 2 GiB limit; store the largest weights with externalInitializer`);
    }
    this.cache = { ...this.cache, bytes };
    return bytes;
  }

  /** sha256 of the serialized model: equal graphs (same nodes, names and weights) share a signature. */
  signature(): string {
    if (!this.cache?.signature) {
      const signature = createHash("sha256").update(this.toBytes()).digest("hex");
      this.cache = { ...this.cache, signature };
    }
    return this.cache.signature!;
  }

  /** Drop the memoized bytes (keeping the signature): the session factory calls it once ORT has its copy. */
  releaseBytes(): void {
    if (this.cache) this.cache.bytes = undefined;
  }

  /** One line per node, for lessons and debugging: `MatMul_0 = MatMul(x, w)`. */
  toString(): string {
    const lines = [`graph ${this.name}(${this.inputs.map((v) => `${v.name}: ${v.dtype}[${this.inputDims.get(v)!.join(", ")}]`).join(", ")})`];
    for (const n of this.nodes) {
      const attrs = n.attributes.length ? ` {${n.attributes.map((a) => `${a.name}=${attrText(a.value)}`).join(", ")}}` : "";
      const op = n.domain ? `${n.domain}.${n.opType}` : n.opType;
      lines.push(`  ${n.outputs.map((o) => o.name).join(", ")} = ${op}(${n.inputs.map((i) => i?.name ?? "_").join(", ")})${attrs}`);
    }
    lines.push(`  return ${this.outputNames.join(", ")}`);
    return lines.join("\n");
  }

  private serialize(): Uint8Array {
    if (this.outputs.length === 0) throw new ArgumentError(`Graph ${this.name}: no outputs (call g.output(value))`);
    const nodes: NodeProtoMsg[] = this.nodes.map((n) => ({
      opType: n.opType,
      domain: n.domain,
      name: n.name,
      inputs: n.inputs.map((i) => i?.name ?? ""), // "" = an optional input left out
      outputs: n.outputs.map((o) => o.name),
      attributes: n.attributes,
    }));
    const info = (v: Value, dims?: readonly Dim[]) => {
      if (!v.dtype) throw new DTypeError(`Graph ${this.name}: dtype of output ${v.name} is unknown; pass opts.dtype to the node that makes it`);
      return { name: v.name, elemType: onnxDataType(v.dtype), dims };
    };
    return encodeModel({
      irVersion: DEFAULT_IR_VERSION,
      producerName: "paligemma-ts",
      opsetImports: [{ domain: "", version: this.opset }, ...[...this.domains].sort().map((d) => ({ domain: d, version: 1 }))],
      graph: {
        name: this.name,
        nodes,
        initializers: this.initializers.map((i) => ({ ...i.proto, name: i.value.name })),
        inputs: this.inputs.map((v) => info(v, this.inputDims.get(v))),
        outputs: this.outputs.map((o) => info(o.value, o.dims)),
      },
    });
  }

  /** Reserve a name; `auto` names get a numeric suffix when taken, explicit ones must be unique. */
  private claim(name: string, auto: boolean, names = this.usedNames): string {
    let n = name;
    if (names.has(n)) {
      if (!auto) throw new ArgumentError(`Graph ${this.name}: name "${name}" is already used`);
      while (names.has((n = `${name}_${this.counter++}`)));
    }
    names.add(n);
    return n;
  }

  private own(v: Value, what: string): void {
    if (!(v instanceof Value) || v.graph !== this) throw new ArgumentError(`Graph ${this.name}: ${what} ${String(v)} belongs to another graph`);
  }

  private touch<T>(v?: T): T {
    this.cache = undefined;
    return v as T;
  }
}

/** Output dtype rule: fixed for comparisons/Shape, `to` for Cast, else the first input's. */
function inferDType(opType: string, inputs: readonly (Value | null)[], attrs: Record<string, AttrValue>): DType | undefined {
  if (opType in FIXED_OUTPUT_DTYPE) return FIXED_OUTPUT_DTYPE[opType];
  if (opType === "Cast" && typeof attrs.to === "number") return dtypeFromOnnx(attrs.to);
  if (opType === "Where") return inputs[1]?.dtype;
  if (opType === "ConstantOfShape") return attrs.value instanceof Tensor ? attrs.value.dtype : "float32";
  return inputs.find((i) => i)?.dtype;
}
