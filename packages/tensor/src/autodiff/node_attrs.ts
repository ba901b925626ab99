/**
 * node_attrs.ts — reading a node's attributes back as plain numbers, lists and strings.
 *
 * Teaches: a graph transformation sees attributes in their ONNX form (`{ type: "int", value }`,
 * see ../onnx/attributes.ts for the other direction). Shape rules and gradient rules ask for one by
 * name with the op spec's default:
 *   intAttr(node, "axis", -1)   floatAttr(node, "epsilon", 1e-5)   intsAttr(node, "perm")
 * A present attribute of the wrong type is an ArgumentError naming the node.
 *
 * Reference: https://onnx.ai/onnx/operators/ (each op's attribute list and defaults).
 */
import { type DType, type TypedArray, toFloat32Array, viewBytes } from "../dtype.ts";
import { ArgumentError } from "../errors.ts";
import type { GraphNode } from "../onnx/graph.ts";
import { type AttributeValue, dtypeFromOnnx } from "../onnx/onnx_proto.ts";
import { numel } from "../tensor.ts";

/** "MatMul_3 (MatMul)" or "FusedMatMul_0 (com.microsoft.FusedMatMul)": how messages name a node. */
export function opKey(node: Pick<GraphNode, "domain" | "opType">): string {
  return node.domain ? `${node.domain}.${node.opType}` : node.opType;
}

function find(node: GraphNode, name: string, type: AttributeValue["type"]): AttributeValue | undefined {
  const a = node.attributes.find((x) => x.name === name);
  if (a && a.value.type !== type) throw new ArgumentError(`node ${node.name} (${opKey(node)}): attribute ${name} is ${a.value.type}, expected ${type}`);
  return a?.value;
}

/** An INT attribute (or `dflt` when absent). */
export function intAttr(node: GraphNode, name: string, dflt: number): number;
export function intAttr(node: GraphNode, name: string): number | undefined;
export function intAttr(node: GraphNode, name: string, dflt?: number): number | undefined {
  const a = find(node, name, "int");
  return a ? Number(a.value) : dflt;
}

/** A FLOAT attribute (or `dflt` when absent). */
export function floatAttr(node: GraphNode, name: string, dflt: number): number;
export function floatAttr(node: GraphNode, name: string): number | undefined;
export function floatAttr(node: GraphNode, name: string, dflt?: number): number | undefined {
  const a = find(node, name, "float");
  return a ? (a.value as number) : dflt;
}

/** An INTS attribute (undefined when absent). */
export function intsAttr(node: GraphNode, name: string): number[] | undefined {
  const a = find(node, name, "ints");
  return a ? (a.value as readonly (number | bigint)[]).map(Number) : undefined;
}

/** A STRING attribute (or `dflt` when absent). */
export function stringAttr(node: GraphNode, name: string, dflt: string): string {
  const a = find(node, name, "string");
  return a ? (a.value as string) : dflt;
}

/** A TENSOR attribute (e.g. ConstantOfShape's `value`): its dtype and, for in-memory data, its values. */
export function tensorAttr(node: GraphNode, name: string): { dtype: DType; values: number[] } | undefined {
  const a = find(node, name, "tensor");
  if (!a || a.type !== "tensor") return undefined;
  const dtype = dtypeFromOnnx(a.value.dataType);
  if (!dtype || !a.value.rawData) throw new ArgumentError(`node ${node.name} (${opKey(node)}): tensor attribute ${name} has a type or storage we do not read`);
  const raw = a.value.rawData.slice(); // aligned copy
  const data = viewBytes(dtype, raw.buffer, 0, numel(a.value.dims));
  return { dtype, values: exactValues(dtype, data) };
}

/** Storage as plain numbers, exactly (int64 through Number: exact below 2^53; f16/bf16 widened). */
export function exactValues(dtype: DType, data: TypedArray): number[] {
  if (dtype === "int64") return Array.from(data as BigInt64Array, Number);
  if (dtype === "float16" || dtype === "bfloat16") return Array.from(toFloat32Array(dtype, data));
  return Array.from(data as Float32Array | Float64Array | Int32Array | Uint8Array);
}
