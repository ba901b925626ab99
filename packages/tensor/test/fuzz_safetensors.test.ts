// Seeded mutational fuzzing of the safetensors reader and the sharded index (targets in
// fuzz_targets.ts, mutator and runner in src/fuzz.ts), each in a child process with a time limit,
// so a hang or a crash fails the test instead of stalling the suite. Longer runs:
//   FUZZ_CASES=100000 FUZZ_SEED=7 npx vitest run packages/tensor/test/fuzz_safetensors.test.ts
import { describe, expect, it } from "vitest";
import { fuzzCases, fuzzTimeLimitMs, runFuzzIsolated } from "../src/index.ts";

const CASES = fuzzCases(2000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);

describe.each(["safetensors", "index"] as const)("fuzz %s", (target) => {
  it(`${CASES} mutated inputs (seed ${SEED}): only SafetensorsErrors, no hang, no unbounded allocation`, () => {
    const r = runFuzzIsolated(new URL("./fuzz_targets.ts", import.meta.url).href, "runSafetensorsFuzz", [target, CASES, SEED], CASES);
    console.log(r.summary);
    expect(r.problems).toEqual([]);
  }, fuzzTimeLimitMs(CASES) + 10_000);
});
