/**
 * reference_device.test.ts — the reference backend is plain TypeScript on the CPU: device "cuda"
 * loads anyway and says so ONCE per process, as one line on stderr. (Its own file: the note's
 * once-per-process flag must start unset.)
 */
import { ArgumentError } from "@paligemma-ts/tensor";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PaliGemma } from "../src/index.ts";
import { fixtureDir, readGolden } from "./fixtures.ts";

afterEach(() => vi.restoreAllMocks());

describe('backend "reference" with device "cuda"', () => {
  it("loads, runs on the CPU, and notes once on stderr that it ignores --device cuda", async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    const a = await PaliGemma.load(fixtureDir("paligemma-tiny"), { backend: "reference", device: "cuda" });
    const b = await PaliGemma.load(fixtureDir("paligemma2-tiny"), { backend: "reference", device: "cuda" });
    vi.restoreAllMocks();
    console.log("stderr:", JSON.stringify(lines));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^paligemma: the reference backend .*CPU.*ignores --device cuda\n$/);
    const g = readGolden("paligemma-tiny");
    const out = await a.generate({ images: g.read("pixel_values"), prompts: [g.cases[0].prompt], maxNewTokens: 12, ignoreEos: true });
    expect(out.generatedIds[0]).toEqual(g.cases[0].greedy_ids);
  });

  it('a device other than "cpu" / "cuda" is an ArgumentError naming it', async () => {
    const bad = { backend: "reference", device: "tpu" } as unknown as Parameters<typeof PaliGemma.load>[1];
    await expect(PaliGemma.load(fixtureDir("paligemma-tiny"), bad)).rejects.toThrow(ArgumentError);
    await expect(PaliGemma.load(fixtureDir("paligemma-tiny"), bad)).rejects.toThrow(/device must be "cpu" or "cuda", got "tpu"/);
  });
});
