/**
 * attributes.ts — node attributes as plain TypeScript values, and their ONNX AttributeProto form.
 *
 * Teaches: every ONNX attribute has a declared type (see the op's spec page), and ORT refuses a
 * model whose attribute has the wrong one. JavaScript has one number type, so:
 *   integer number / bigint -> INT        axis: -1
 *   float(x)                -> FLOAT      epsilon: float(1e-6)   (explicit: `50` could be either)
 *   string                  -> STRING     approximate: "tanh"
 *   Tensor                  -> TENSOR     value: Tensor.from([1])
 *   number[] (integers)     -> INTS       perm: [0, 2, 1, 3]
 *   floats([...])           -> FLOATS
 *   string[]                -> STRINGS
 * A non-integer plain number throws, so a forgotten float(...) fails here, not inside ORT.
 *
 * Reference: https://github.com/onnx/onnx/blob/main/docs/IR.md#attributes
 */
import { ArgumentError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import type { AttributeValue } from "./onnx_proto.ts";
import { onnxDataType } from "./onnx_proto.ts";

/** A float attribute (ONNX type FLOAT). */
export interface FloatAttr { readonly float: number }
/** A list-of-floats attribute (ONNX type FLOATS). */
export interface FloatsAttr { readonly floats: readonly number[] }
export const float = (v: number): FloatAttr => ({ float: v });
export const floats = (v: readonly number[]): FloatsAttr => ({ floats: v });

export type AttrValue = number | bigint | string | Tensor | FloatAttr | FloatsAttr | readonly number[] | readonly string[];

export function toAttribute(what: string, v: AttrValue): AttributeValue {
  if (typeof v === "number" || typeof v === "bigint") {
    if (typeof v === "number" && !Number.isInteger(v)) throw new ArgumentError(`attribute ${what}=${v}: write float(${v}) for a FLOAT attribute`);
    return { type: "int", value: v };
  }
  if (typeof v === "string") return { type: "string", value: v };
  if (v instanceof Tensor) {
    const d = v.data;
    return { type: "tensor", value: { name: "", dataType: onnxDataType(v.dtype), dims: v.shape, rawData: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) } };
  }
  if ("float" in v) return { type: "float", value: v.float };
  if ("floats" in v) return { type: "floats", value: v.floats };
  const list = v as readonly (number | string)[];
  if (list.every((x) => typeof x === "string")) return { type: "strings", value: list as string[] };
  if (list.every((x) => typeof x === "number" && Number.isInteger(x))) return { type: "ints", value: list as number[] };
  throw new ArgumentError(`attribute ${what}=[${list.join(", ")}]: lists must be all integers (INTS), all strings, or floats([...])`);
}

export function attrText(a: AttributeValue): string {
  if (a.type === "tensor") return `tensor[${a.value.dims.join(", ")}]`;
  return Array.isArray(a.value) ? `[${a.value.join(", ")}]` : typeof a.value === "string" ? JSON.stringify(a.value) : String(a.value);
}
