/**
 * option_values.test.ts — option parsers reject bad values; the greedy-vs-sampling rule.
 */
import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { parsePositiveInt, parseSeed, parseTemperature, parseTopP, samplingFromOptions } from "../src/option_values.ts";

describe("parsers", () => {
  it("accept good values", () => {
    expect(parsePositiveInt("12")).toBe(12);
    expect(parseSeed("0")).toBe(0);
    expect(parseSeed("4294967295")).toBe(4294967295);
    expect(parseTemperature("0")).toBe(0);
    expect(parseTemperature("0.7")).toBe(0.7);
    expect(parseTopP("1")).toBe(1);
    expect(parseTopP("0.9")).toBe(0.9);
  });
  it.each([
    [parsePositiveInt, "0"], [parsePositiveInt, "-1"], [parsePositiveInt, "1.5"], [parsePositiveInt, "ten"], [parsePositiveInt, ""],
    [parseSeed, "1e3"], [parseSeed, "x"], [parseSeed, "99999999999999999999"], [parseSeed, "-3"], [parseSeed, "4294967296"], [parseSeed, "1.5"],
    [parseTemperature, "-0.1"], [parseTemperature, "NaN"], [parseTemperature, "Infinity"], [parseTemperature, ""],
    [parseTopP, "0"], [parseTopP, "1.01"], [parseTopP, "9"], [parseTopP, "p"],
  ] as const)("%o rejects %j", (parse, value) => {
    expect(() => parse(value)).toThrow(InvalidArgumentError);
  });
});

describe("samplingFromOptions", () => {
  it("is greedy when no sampling option is given", () => {
    expect(samplingFromOptions({})).toEqual({ temperature: 0 });
  });
  it("samples at temperature 1 when only top-k / top-p is given", () => {
    expect(samplingFromOptions({ topK: 40 })).toEqual({ temperature: 1, topK: 40, topP: undefined });
    expect(samplingFromOptions({ topP: 0.9 })).toEqual({ temperature: 1, topK: undefined, topP: 0.9 });
  });
  it("is greedy at temperature 0 whatever else is given", () => {
    expect(samplingFromOptions({ temperature: 0, topK: 5, topP: 0.5 })).toEqual({ temperature: 0 });
  });
  it("keeps an explicit temperature", () => {
    expect(samplingFromOptions({ temperature: 0.7, topP: 0.95 })).toEqual({ temperature: 0.7, topK: undefined, topP: 0.95 });
  });
});
