// Seeded mutational fuzzing of every image decoder through loadImage (targets in fuzz_targets.ts,
// mutator and runner in @paligemma-ts/tensor's fuzz.ts), each format in a child process with a time
// limit, so a hang or a crash fails the test instead of stalling the suite. Longer runs:
//   FUZZ_CASES=100000 FUZZ_SEED=7 npx vitest run packages/processor/test/fuzz_images.test.ts
import { fuzzCases, fuzzTimeLimitMs, runFuzzIsolated } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";

const CASES = fuzzCases(2000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);

describe.each(["png", "jpeg", "gif", "bmp", "tiff"] as const)("fuzz %s", (format) => {
  it(`${CASES} mutated files (seed ${SEED}): only typed errors, no hang, no unbounded allocation`, () => {
    const r = runFuzzIsolated(new URL("./fuzz_targets.ts", import.meta.url).href, "runImageFuzz", [format, CASES, SEED], CASES);
    console.log(r.summary);
    expect(r.problems).toEqual([]);
  }, fuzzTimeLimitMs(CASES) + 10_000);
});
