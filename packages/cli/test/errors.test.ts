/**
 * errors.test.ts — any thrown value becomes ONE line "paligemma: error: ..." and an exit code.
 */
import { ArgumentError } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { CliUsageError, EXIT_FAILURE, EXIT_USAGE, errorMessage, reportError } from "../src/errors.ts";

describe("errors", () => {
  it("prints a library error's message on one line", () => {
    let out = "";
    const code = reportError(new ArgumentError("tensor x: expected\n  shape [2, 3]"), (s) => (out += s));
    expect(out).toBe("paligemma: error: tensor x: expected shape [2, 3]\n");
    expect(code).toBe(EXIT_FAILURE);
  });
  it("gives usage errors exit code 2", () => {
    expect(reportError(new CliUsageError("bad"), () => {})).toBe(EXIT_USAGE);
  });
  it("rewords Node file-system errors around the path", () => {
    const e = Object.assign(new Error("ENOENT: no such file or directory, open '/x/y.png'"), { code: "ENOENT", path: "/x/y.png" });
    expect(errorMessage(e)).toBe("/x/y.png: no such file or directory");
  });
  it("handles non-Error throws", () => {
    expect(errorMessage("boom")).toBe("boom");
  });
});
