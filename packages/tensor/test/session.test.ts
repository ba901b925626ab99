/**
 * session.test.ts — the session cache (hits by graph signature + options), thread options, Tensor <->
 * ORT conversions, and the CUDA request that falls back to CPU with exactly one stderr line.
 */
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { ArgumentError, DTypeError, Tensor } from "../src/index.ts";
import { Graph } from "../src/onnx/graph.ts";
import { cudaProviderInstalled, resetDeviceStateForTests, resolveDevice } from "../src/onnx/execution_provider.ts";
import {
  createSession, getSession, releaseAllSessions, releaseSession, runGraph, sessionCacheStats, sessionKey, toOrtTensor,
} from "../src/onnx/session.ts";

afterAll(() => releaseAllSessions());

function doubler(name = "double"): Graph {
  const g = new Graph(name);
  const x = g.input("x", "float32", ["n"]);
  g.output(g.op("Add", [x, x]), "y");
  return g;
}

describe("session cache", () => {
  afterEach(() => {
    delete process.env.PALIGEMMA_THREADS;
  });

  it("an equal graph built twice hits the cache; a different graph misses", async () => {
    const before = sessionCacheStats();
    const s1 = await getSession(doubler());
    const s2 = await getSession(doubler()); // a new Graph object, same bytes -> same signature
    expect(s2).toBe(s1);
    const s3 = await getSession(doubler("other name"));
    expect(s3).not.toBe(s1);
    const after = sessionCacheStats();
    expect(after.hits - before.hits).toBe(1);
    expect(after.misses - before.misses).toBe(2);
  });

  it("the graph drops its bytes once the session exists but keeps its signature", async () => {
    const g = doubler("bytes");
    const sig = g.signature();
    const s = await getSession(g);
    expect(g.signature()).toBe(sig);
    expect(await getSession(g)).toBe(s);
  });

  it("concurrent requests share one creation", async () => {
    const g = doubler("concurrent");
    const [a, b] = await Promise.all([getSession(g), getSession(g)]);
    expect(a).toBe(b);
  });

  it("the thread count is part of the key; $PALIGEMMA_THREADS is read when the option is absent", async () => {
    const g = doubler();
    const one = await getSession(g, { threads: 1 });
    const two = await getSession(g, { threads: 2 });
    expect(one).not.toBe(two);
    process.env.PALIGEMMA_THREADS = "1";
    expect(sessionKey(g)).toBe(sessionKey(g, { threads: 1 }));
    expect(await getSession(g)).toBe(one);
    process.env.PALIGEMMA_THREADS = "lots";
    expect(() => sessionKey(g)).toThrow(ArgumentError);
    expect(() => sessionKey(g, { threads: 0 })).toThrow(/positive integer/);
  });

  it("createSession is uncached; releaseSession / releaseAllSessions empty the cache", async () => {
    const g = doubler("release");
    const fresh = await createSession(g);
    expect(fresh).not.toBe(await getSession(g));
    await fresh.dispose();
    expect(await releaseSession(g)).toBe(true);
    expect(await releaseSession(g)).toBe(false);
    await getSession(g);
    await releaseAllSessions();
    expect(sessionCacheStats().size).toBe(0);
    const { y } = await runGraph(g, { x: Tensor.from([1, 2]) }); // recreated on demand
    expect(y.toArray()).toEqual([2, 4]);
  });
});

describe("running sessions on Tensors", () => {
  it.each(["float32", "float16", "int32", "int64", "uint8", "bool"] as const)("%s round-trips through Identity", async (dtype) => {
    const g = new Graph(`id_${dtype}`);
    g.output(g.op("Identity", [g.input("x", dtype, [2, 2])]), "y");
    const x = Tensor.fromValues([1, 0, 3, 1], [2, 2], dtype);
    const { y } = await runGraph(g, { x });
    expect(y.dtype).toBe(dtype);
    expect([...y.shape]).toEqual([2, 2]);
    expect(y.toArray()).toEqual(x.toArray());
  });

  it("inputs may be views at an offset into a larger buffer (zero-copy)", async () => {
    const big = new Float32Array([9, 9, 1, 2, 3, 9]);
    const x = new Tensor("float32", [3], big.subarray(2, 5));
    expect(toOrtTensor(x).data).toBe(x.data); // the same typed array: no copy
    const { y } = await runGraph(doubler(), { x });
    expect(y.toArray()).toEqual([2, 4, 6]);
  });

  it("bfloat16 inputs and missing inputs are refused with named errors", async () => {
    expect(() => toOrtTensor(Tensor.zeros([2], "bfloat16"), "x")).toThrow(DTypeError);
    const s = await getSession(doubler());
    await expect(s.run({})).rejects.toThrow(/missing input "x"/);
    await expect(s.run({ x: Tensor.zeros([2, 2]) })).rejects.toThrow(/graph double: run failed with x: float32\[2, 2\]/);
  });
});

describe("execution provider", () => {
  it.skipIf(cudaProviderInstalled())("a CUDA request falls back to CPU and says so once per process", async () => {
    resetDeviceStateForTests();
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      expect(resolveDevice("cuda")).toBe("cpu");
      const s = await createSession(doubler("cuda"), { device: "cuda" });
      expect(s.device).toBe("cpu");
      process.env.PALIGEMMA_DEVICE = "cuda";
      expect(resolveDevice()).toBe("cpu");
      const { y } = await runGraph(doubler("cuda"), { x: Tensor.from([1]) });
      expect(y.toArray()).toEqual([2]);
    } finally {
      spy.mockRestore();
      delete process.env.PALIGEMMA_DEVICE;
    }
    const ours = lines.filter((l) => l.startsWith("paligemma:"));
    expect(ours).toEqual([
      'paligemma: CUDA execution provider not installed (run "pnpm cuda:install" on a GPU machine); falling back to CPU\n',
    ]);
    expect(lines.join("")).not.toMatch(/ONNXRuntimeError/); // ORT was never asked, so it printed nothing
  });

  it("cpu needs no check; an unknown $PALIGEMMA_DEVICE is an error", () => {
    expect(resolveDevice("cpu")).toBe("cpu");
    process.env.PALIGEMMA_DEVICE = "tpu";
    try {
      expect(() => resolveDevice()).toThrow(/PALIGEMMA_DEVICE="tpu"/);
    } finally {
      delete process.env.PALIGEMMA_DEVICE;
    }
  });
});
