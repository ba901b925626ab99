import { describe, expect, it } from "vitest";
import { attentionMask, bidirectionalMask, causalMask, prefixLmMask, slidingWindowMask } from "../src/index.ts";
import { nested } from "./helpers.ts";

/** Render a [B, 1, Tq, Tk] mask as rows of "x" (attend) and "." (blocked). */
function pic(m: ReturnType<typeof attentionMask>): string[][] {
  return (nested(m) as number[][][][]).map((b) => b[0].map((r) => r.map((v) => (v === 0 ? "x" : v === -Infinity ? "." : "?")).join("")));
}

describe("attention masks", () => {
  it("causal: each query sees itself and the past", () => {
    expect(pic(causalMask(3))).toEqual([["x..", "xx.", "xxx"]]);
  });

  it("causal block at an offset into the cache (decode / chunked prefill)", () => {
    expect(pic(causalMask(2, 5))).toEqual([["xxxx.", "xxxxx"]]);
    expect(pic(attentionMask({ queryLength: 1, keyLength: 4, queryOffset: 1 }))).toEqual([["xx.."]]);
  });

  it("bidirectional: everyone sees everyone, except padding", () => {
    expect(pic(bidirectionalMask(3))).toEqual([["xxx", "xxx", "xxx"]]);
    expect(pic(bidirectionalMask(3, 3, [[0, 1, 1]]))).toEqual([[".xx", ".xx", ".xx"]]);
  });

  it("prefix-LM: prefix bidirectional, suffix causal, left padding never attended", () => {
    // row 0: no padding, prefix = slots 0..2; row 1: one pad slot, prefix = slots 1..2
    const m = prefixLmMask(5, [3, 3], [[1, 1, 1, 1, 1], [0, 1, 1, 1, 1]]);
    expect(m.shape).toEqual([2, 1, 5, 5]);
    expect(pic(m)).toEqual([
      ["xxx..", "xxx..", "xxx..", "xxxx.", "xxxxx"],
      [".xx..", ".xx..", ".xx..", ".xxx.", ".xxxx"], // the pad slot 0 is never attended; its own query row is unused
    ]);
  });

  it("prefix-LM decode step: the new token sees every real slot", () => {
    const m = attentionMask({ queryLength: 1, keyLength: 6, prefixEnd: [3, 3], keyMask: [[1, 1, 1, 1, 1, 1], [0, 1, 1, 1, 1, 1]] });
    expect(pic(m)).toEqual([["xxxxxx"], [".xxxxx"]]);
  });

  it("sliding window: a query at i sees keys with i - j < window", () => {
    expect(pic(slidingWindowMask(5, 2))).toEqual([["x....", "xx...", ".xx..", "..xx.", "...xx"]]);
    // the window limits the past only; a bidirectional prefix still sees ahead
    expect(pic(attentionMask({ queryLength: 3, prefixEnd: 3, slidingWindow: 2 }))).toEqual([["xxx", "xxx", ".xx"]]);
    // decode at slot 4 with window 3: keys 2, 3, 4
    expect(pic(attentionMask({ queryLength: 1, keyLength: 5, slidingWindow: 3 }))).toEqual([["..xxx"]]);
  });

  it("rejects queries that do not fit in the keys", () => {
    expect(() => attentionMask({ queryLength: 3, keyLength: 2 })).toThrow(/do not fit/);
    expect(() => attentionMask({ queryLength: 2, keyMask: [[1]] })).toThrow(/keyMask/);
  });
});
