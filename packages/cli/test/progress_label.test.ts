/**
 * progress_label.test.ts — what the loading bar says: while weights are converted (a first quantized
 * start), the MB read so far, the total and the rate in MB/s; otherwise the block being compiled.
 */
import { describe, expect, it } from "vitest";
import { progressLabel } from "../src/load_model.ts";

describe("progressLabel", () => {
  it("shows MB done, MB total and MB/s while converting", () => {
    expect(progressLabel({ stage: "convert", loaded: 1_234_000_000, total: 11_692_000_000, bytesPerSecond: 850_400_000, name: "language_model.model.layers.3.mlp.up_proj.weight" }))
      .toBe("converting weights 1234/11692 MB at 850 MB/s | language_model.model.layers.3.mlp.up_proj.weight");
    expect(progressLabel({ stage: "convert", loaded: 520_000, total: 1_300_000, bytesPerSecond: 2_000_000 })).toBe("converting weights 0.5/1.3 MB at 2.0 MB/s");
  });

  it("shows the block (or the stage) otherwise", () => {
    expect(progressLabel({ stage: "compile", loaded: 3, total: 49, name: "gemma_layer1 (int8)" })).toBe("gemma_layer1 (int8)");
    expect(progressLabel({ stage: "check", loaded: 0, total: 1 })).toBe("check");
  });
});
