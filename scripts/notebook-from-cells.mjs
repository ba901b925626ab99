#!/usr/bin/env node
// notebook-from-cells.mjs — write an unexecuted Deno notebook (.ipynb) from a TypeScript file in
// jupytext's "percent" format, so a lesson notebook can be drafted in an editor:
//
//   // %% [markdown]
//   // # 7. Rotary positional encoding
//   // Markdown lines are comments; the "// " prefix is stripped.
//
//   // %%
//   import { rotaryTables } from "@paligemma-ts/core";
//   rotaryTables([0, 1, 2], 8).cos.shape
//
// Usage: node scripts/notebook-from-cells.mjs cells.ts notebooks/07-rotary-embedding.ipynb
// The .ipynb is what gets committed (and what scripts/run-notebooks.sh executes); edit it in
// Jupyter afterwards if you like, but clear its outputs before committing.
import { readFileSync, writeFileSync } from "node:fs";

const [src, dst] = process.argv.slice(2);
if (!src || !dst) {
  console.error("usage: node scripts/notebook-from-cells.mjs <cells.ts> <out.ipynb>");
  process.exit(2);
}
const cells = [];
let cur = null;
for (const line of readFileSync(src, "utf8").split("\n")) {
  const m = /^\/\/ %%( \[markdown\])?\s*$/.exec(line);
  if (m) {
    cur = { type: m[1] ? "markdown" : "code", lines: [] };
    cells.push(cur);
  } else if (cur) {
    cur.lines.push(cur.type === "markdown" ? line.replace(/^\/\/ ?/, "") : line);
  }
}
const trim = (lines) => {
  while (lines.length && lines[0].trim() === "") lines.shift();
  while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
  return lines.map((l, i) => (i < lines.length - 1 ? l + "\n" : l));
};
const nb = {
  cells: cells
    .filter((c) => c.lines.some((l) => l.trim() !== ""))
    .map((c, i) => ({
      cell_type: c.type,
      id: `cell-${String(i).padStart(2, "0")}`,
      metadata: {},
      ...(c.type === "code" ? { execution_count: null, outputs: [] } : {}),
      source: trim(c.lines),
    })),
  metadata: {
    kernelspec: { name: "deno", language: "typescript", display_name: "Deno" },
    language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/x.typescript", codemirror_mode: "typescript", pygments_lexer: "typescript" },
  },
  nbformat: 4,
  nbformat_minor: 5,
};
writeFileSync(dst, JSON.stringify(nb, null, 1) + "\n");
console.log(`${dst}: ${nb.cells.length} cells`);
