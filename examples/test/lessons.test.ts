/**
 * lessons.test.ts — the doc check of `pnpm examples` (lib/lessons.ts): a doc's expected lines, the
 * `{<op> <number>}` placeholders for printed numbers, order, "..." elisions and the hints on failure.
 */
import { describe, expect, it } from "vitest";
import { checkLine, checkOutput, parseExpectations } from "../lib/lessons.ts";

const doc = (block: string) => `# N. Lesson\n\n## What the example prints\n\n\`\`\`text\n${block}\n\`\`\`\n\n## Try\n`;
const check = (block: string, stdout: string) => checkOutput(stdout, parseExpectations(doc(block), "docs/NN-test.md"), Date.now());

describe("checkLine: {<op> <number>} placeholders", () => {
  it("a placeholder matches a number in decimal or exponent notation that satisfies the comparison", () => {
    for (const printed of ["0", "3.1e-6", "3.10e-06", "0.0000031", "1E-7", ".5e-5", "1e-4"]) {
      expect(checkLine("max |diff| {<= 1e-4}", `max |diff| ${printed}`), printed).toEqual({ verdict: "ok" });
    }
  });

  it("each operator compares as written, at its boundary too", () => {
    const cases: [string, string, boolean][] = [
      ["{<= 1e-4}", "1e-4", true], ["{< 1e-4}", "1e-4", false], ["{< 1e-4}", "9.9e-5", true],
      ["{>= 2}", "2", true], ["{> 2}", "2", false], ["{> 2}", "2.5", true], ["{>= -1}", "-0.5", true], ["{< 0}", "-3", true],
    ];
    for (const [want, got, ok] of cases) expect(checkLine(`d ${want}`, `d ${got}`).verdict, `${got} ${want}`).toBe(ok ? "ok" : "bound");
  });

  it("a number out of bounds says which number and which bound", () => {
    expect(checkLine("onnx vs reference: max |diff| {<= 1e-5}", "onnx vs reference: max |diff| 2.3e-3")).toEqual({ verdict: "bound", why: "2.3e-3 is not <= 1e-5" });
  });

  it("the rest of the line must match exactly; the placeholder needs a number", () => {
    expect(checkLine("max |diff| {<= 1e-4}", "max diff 1e-5").verdict).toBe("shape");
    expect(checkLine("max |diff| {<= 1e-4}", "max |diff| 1e-5 (ok)").verdict).toBe("shape");
    expect(checkLine("max |diff| {<= 1e-4}", "max |diff| small").verdict).toBe("shape");
    expect(checkLine("max |diff| {<= 1e-4}", "max |diff| NaN").verdict).toBe("shape");
    expect(checkLine("a [1,2] (b)", "a [1,2] (b)").verdict).toBe("ok"); // regex characters are literal
  });

  it("several placeholders on one line are all checked, in order", () => {
    const want = "logits max |diff| {<= 1e-5}, probs max |diff| {< 1e-6}";
    expect(checkLine(want, "logits max |diff| 2e-6, probs max |diff| 5e-8").verdict).toBe("ok");
    expect(checkLine(want, "logits max |diff| 2e-6, probs max |diff| 5e-6")).toEqual({ verdict: "bound", why: "5e-6 is not < 1e-6" });
  });
});

describe("checkOutput", () => {
  it("lines appear in order, whitespace-normalized, other lines in between; '...' is skipped", () => {
    expect(check("a  b\n...\nmax |diff| {<= 1e-4}", "noise\na b\nmore\nmax |diff|   4e-5\n")).toEqual([]);
  });

  it("reports a missing line with the closest one, an out-of-bounds number, and an out-of-order line", () => {
    const [missing] = check("hello world", "hello wrld\n");
    expect(missing).toMatch(/expected line not printed: "hello world"[\s\S]*closest output line: "hello wrld"/);
    const [bound] = check("x max |diff| {<= 1e-6}", "x max |diff| 0.5\n");
    expect(bound).toMatch(/it is printed, but 0.5 is not <= 1e-6/);
    const [order] = check("second\nfirst", "first\nsecond\n");
    expect(order).toMatch(/"first"[\s\S]*out of order/);
  });
});
