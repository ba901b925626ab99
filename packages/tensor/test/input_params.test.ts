/**
 * input_params.test.ts — InputParams binds weights as graph inputs named after them: one input per
 * name per graph (a tied weight used twice is one input), linears stay FusedMatMul on the float
 * weight, unknown names and JS-side row lookups are named errors.
 */
import { describe, expect, it } from "vitest";
import { ArgumentError, Graph, GraphOps, InputParams, Tensor } from "../src/index.ts";

describe("InputParams", () => {
  it("declares each parameter once per graph, as a float32 input of its spec's shape", () => {
    const params = InputParams.fromTensors({ "w": Tensor.zeros([3, 4]), "embed": Tensor.zeros([5, 4]) });
    const g = new Graph("p");
    const ops = new GraphOps(g, params);
    const x = g.input("x", "float32", [2, 4]);
    const y = ops.linear(x, { weight: "w" }); // FusedMatMul(x, w, transB) as in inference
    const logits = ops.matmul(ops.gather(ops.param("embed"), g.input("ids", "int64", [2])), ops.transpose(ops.param("embed"), [1, 0]));
    new GraphOps(g, params).param("w"); // a second GraphOps on the same graph reuses the input
    expect(g.inputList().map((i) => [i.value.name, [...i.dims]])).toEqual([["x", [2, 4]], ["w", [3, 4]], ["embed", [5, 4]], ["ids", [2]]]);
    expect([...params.bound(g).keys()]).toEqual(["w", "embed"]);
    expect(g.nodeList().find((n) => n.outputs.includes(y))!.opType).toBe("FusedMatMul");
    expect(logits.dtype).toBe("float32");
    expect(params.bound(new Graph("other")).size).toBe(0);
  });

  it("unknown names and row lookups are ArgumentErrors naming the parameter", () => {
    const params = new InputParams({ a: [2] });
    expect(() => params.tensor(new Graph("g"), "b")).toThrow(/no parameter "b"/);
    expect(() => params.rows("a")).toThrow(ArgumentError);
    expect(params.names()).toEqual(["a"]);
  });
});
