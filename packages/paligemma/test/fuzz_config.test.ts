// Seeded mutational fuzzing of config parsing (config.json + generation_config.json through
// loadPaliGemmaConfig, targets in fuzz_targets.ts), in a child process with a time limit.
// Longer runs:
//   FUZZ_CASES=100000 FUZZ_SEED=7 npx vitest run packages/paligemma/test/fuzz_config.test.ts
import { fuzzCases, fuzzTimeLimitMs, runFuzzIsolated } from "@paligemma-ts/tensor";
import { expect, it } from "vitest";

const CASES = fuzzCases(2000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);

it(`fuzz config: ${CASES} mutated config.json files (seed ${SEED}): only ConfigErrors, and parsed configs keep their ranges`, () => {
  const r = runFuzzIsolated(new URL("./fuzz_targets.ts", import.meta.url).href, "runConfigFuzz", [CASES, SEED], CASES);
  console.log(r.summary);
  expect(r.problems).toEqual([]);
}, fuzzTimeLimitMs(CASES) + 10_000);
