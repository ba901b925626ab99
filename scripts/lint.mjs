#!/usr/bin/env node
// lint.mjs — `pnpm lint`: check the repo's own rules (docs/CONTRIBUTING-AGENTS.md, shared/DESIGN.md
// sections 2 and 7) and exit 1 with one line per violation, grouped by rule.
//
//   layering   a package depends only on packages below it:
//                tensor <- core <- {siglip, gemma} <- paligemma <- {train, serve} <- cli
//                processor -> tensor only; paligemma may use processor; train (training from
//                scratch) and serve (worker runner, HTTP API, batch runs, Hub downloads) may use
//                everything below cli, not each other; examples/notebooks may use any
//              checked in every package.json AND in the import statements of src/, test/, bench/,
//              bin/, scripts/ and examples/ files: an import of `@paligemma-ts/x` must be a declared dependency (a
//              devDependency counts only outside src/), a src file's other bare imports must be in
//              `dependencies` too, and no file imports into another package's folder (`../../x/src`,
//              `@paligemma-ts/x/src/...`): packages meet through their `exports` only
//   header     every .ts file under packages/*/src starts with a header comment (`/**` or `//`)
//   size       no src file over 400 lines
//   tests      test files (*.test.ts, *.spec.ts, ...) live only at packages/<pkg>/test/<name>.test.ts
//              (and examples/test/<name>.test.ts: the lessons' doc check, a vitest project of its own)
//   pinned     every dependency version in every package.json is exact (1.2.3, no ^ ~ ranges or tags);
//              `workspace:*` is the only allowed workspace protocol
//
// Plain Node, no dependencies, so it runs before (or without) `pnpm install`. Not part of `pnpm test`.
// Imports are found by a small scanner that skips comments, strings, template literals and regex
// literals, so a header comment that shows `import { x } from "..."` is not mistaken for an import.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SCOPE = "@paligemma-ts/";
const MAX_LINES = 400;

// What each workspace package may depend on (short names, without the scope). "*" = any.
// Only packages *below* a package: the list is the transitive closure of the layer drawing.
const LAYERS = {
  tensor: [],
  core: ["tensor"],
  siglip: ["core", "tensor"],
  gemma: ["core", "tensor"],
  processor: ["tensor"],
  paligemma: ["siglip", "gemma", "processor", "core", "tensor"],
  train: ["paligemma", "siglip", "gemma", "processor", "core", "tensor"],
  serve: ["paligemma", "siglip", "gemma", "processor", "core", "tensor"],
  cli: ["train", "serve", "paligemma", "siglip", "gemma", "processor", "core", "tensor"],
  examples: "*",
  notebooks: "*",
};

const DEP_FIELDS = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];
const SKIP_DIRS = new Set(["node_modules", ".git", ".turbo", "dist", "out", ".cache"]);

const problems = { layering: [], header: [], size: [], tests: [], pinned: [] };
const report = (rule, file, message) => problems[rule].push(`${rel(file)}: ${message}`);
const rel = (p) => path.relative(ROOT, p) || ".";

// ---------------------------------------------------------------------------------------------
// Workspace packages: the globs of pnpm-workspace.yaml's `packages:` list ("dir/*" or "dir").

function workspaceDirs() {
  const yaml = readFileSync(path.join(ROOT, "pnpm-workspace.yaml"), "utf8").split("\n");
  const globs = [];
  let inPackages = false;
  for (const line of yaml) {
    if (/^\S/.test(line)) inPackages = /^packages\s*:/.test(line);
    const m = inPackages && line.match(/^\s+-\s*["']?([^"'#\s]+)["']?/);
    if (m) globs.push(m[1]);
  }
  const dirs = [];
  for (const g of globs) {
    if (g.endsWith("/*")) {
      const base = path.join(ROOT, g.slice(0, -2));
      for (const d of readdirSync(base).sort()) if (existsSync(path.join(base, d, "package.json"))) dirs.push(path.join(base, d));
    } else if (!g.includes("*")) {
      if (existsSync(path.join(ROOT, g, "package.json"))) dirs.push(path.join(ROOT, g));
    } else {
      throw new Error(`lint.mjs: pnpm-workspace.yaml glob ${JSON.stringify(g)} is not "dir" or "dir/*"; teach workspaceDirs() about it`);
    }
  }
  return dirs;
}

function readJson(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

/** Every file under `dir` (recursively) whose name passes `keep`, skipping build/output folders. */
function walk(dir, keep, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) {
      if (!SKIP_DIRS.has(name)) walk(p, keep, out);
    } else if (keep(name)) out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Import scanner: the module specifiers of `import ... from "x"`, `export ... from "x"`,
// `import "x"`, `import("x")` and `require("x")`, outside comments and strings.

/**
 * Source with comments removed and every string literal replaced by a numbered placeholder
 * (`"7"`, the text kept in `strings[7]`), so nothing inside a comment, a string or a template can
 * look like an import. Newlines are kept, so line numbers still match the file.
 */
function codeOnly(src) {
  const strings = [];
  let out = "";
  let i = 0;
  let lastSignificant = ""; // previous non-space code character, to tell a regex literal from division
  const n = src.length;
  const blank = (text) => text.replace(/[^\n]/g, " ");
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (c === "/" && d === "/") {
      while (i < n && src[i] !== "\n") i++;
    } else if (c === "/" && d === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      out += blank(src.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      // A template's ${...} parts are code, but no static import lives inside one: blank it all.
      let j = i + 1;
      while (j < n && src[j] !== c) {
        if (src[j] === "\\") j++;
        else if (c !== "`" && src[j] === "\n") break; // unterminated: stop at the line end
        j++;
      }
      const body = src.slice(i + 1, Math.min(j, n));
      if (c === "`") out += "`" + blank(body) + "`";
      else {
        out += `${c}${strings.length}${c}` + "\n".repeat(body.split("\n").length - 1);
        strings.push(body);
      }
      i = j + 1;
      lastSignificant = c;
    } else if (c === "/" && (lastSignificant === "" || "(,=:[!&|?{};+-*%<>~^".includes(lastSignificant))) {
      // a regex literal: skip to its closing slash (character classes may contain "/")
      let j = i + 1;
      let inClass = false;
      while (j < n && src[j] !== "\n") {
        if (src[j] === "\\") j++;
        else if (src[j] === "[") inClass = true;
        else if (src[j] === "]") inClass = false;
        else if (src[j] === "/" && !inClass) break;
        j++;
      }
      const stop = j < n && src[j] === "/" ? j + 1 : j; // never swallow the line end
      out += " ".repeat(stop - i);
      i = stop;
      lastSignificant = "/";
    } else {
      out += c;
      if (!/\s/.test(c)) lastSignificant = c;
      i++;
    }
  }
  return { code: out, strings };
}

const IMPORT_RE = /(?:^|[^\w$.])(?:from\s*|import\s*\(\s*|import\s+|require\s*\(\s*)(["'])(\d+)\1/g;

function importsOf(file) {
  const { code, strings } = codeOnly(readFileSync(file, "utf8"));
  const specs = [];
  for (const m of code.matchAll(IMPORT_RE)) {
    const line = code.slice(0, m.index).split("\n").length + (code[m.index] === "\n" ? 1 : 0);
    specs.push({ spec: strings[Number(m[2])], line });
  }
  return specs;
}

/** "@scope/name/sub" -> "@scope/name"; "name/sub" -> "name". */
function packageOf(spec) {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const BUILTINS = new Set(builtinModules);
const isBuiltin = (spec) => spec.startsWith("node:") || BUILTINS.has(spec.split("/")[0]);

// ---------------------------------------------------------------------------------------------
// The checks.

const dirs = workspaceDirs();
const pkgs = dirs.map((dir) => ({ dir, short: path.basename(dir), json: readJson(path.join(dir, "package.json")) }));
const byName = new Map(pkgs.map((p) => [p.json.name, p]));
const counted = { packages: pkgs.length, src: 0, scanned: 0, tests: 0 };

// pinned: the root package.json and every workspace package.
for (const file of [path.join(ROOT, "package.json"), ...dirs.map((d) => path.join(d, "package.json"))]) {
  const json = readJson(file);
  for (const field of DEP_FIELDS) {
    for (const [name, version] of Object.entries(json[field] ?? {})) {
      if (version === "workspace:*") continue;
      if (version.startsWith("workspace:")) report("pinned", file, `${field}.${name} is "${version}"; use "workspace:*"`);
      else if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version)) {
        report("pinned", file, `${field}.${name} is "${version}"; pin an exact version (e.g. "1.2.3")`);
      }
    }
  }
  if (json.packageManager !== undefined && !/^[\w-]+@\d+\.\d+\.\d+/.test(json.packageManager)) {
    report("pinned", file, `packageManager is "${json.packageManager}"; pin an exact version (e.g. "pnpm@10.34.9")`);
  }
}

// layering in package.json: workspace dependencies must be in the package's allowed list.
for (const p of pkgs) {
  const file = path.join(p.dir, "package.json");
  if (!p.json.name?.startsWith(SCOPE)) report("layering", file, `name "${p.json.name}" is not in the ${SCOPE} scope`);
  const allowed = LAYERS[p.short];
  if (allowed === undefined) {
    report("layering", file, `package "${p.short}" has no layer; add it to LAYERS in scripts/lint.mjs (and to docs/architecture.md)`);
    continue;
  }
  for (const field of DEP_FIELDS) {
    for (const name of Object.keys(p.json[field] ?? {})) {
      if (!name.startsWith(SCOPE)) continue;
      const target = name.slice(SCOPE.length);
      if (!byName.has(name)) report("layering", file, `${field}.${name} is not a workspace package`);
      else if (target === p.short) report("layering", file, `${field}.${name}: depends on itself`);
      else if (allowed !== "*" && !allowed.includes(target)) {
        report("layering", file, `${field}.${name}: ${p.short} may depend only on ${allowed.length ? allowed.join(", ") : "no workspace package"} (layers point down)`);
      }
    }
  }
}

// layering in imports, header, size.
const isTs = (name) => /\.(m|c)?tsx?$/.test(name) || /\.(m|c)?js$/.test(name);
for (const p of pkgs) {
  const deps = new Set(Object.keys(p.json.dependencies ?? {}));
  const allDeps = new Set(DEP_FIELDS.flatMap((f) => Object.keys(p.json[f] ?? {})));
  const group = rel(p.dir).startsWith("packages" + path.sep) ? "package" : "workspace";
  const groups = p.short === "examples" || p.short === "notebooks"
    ? [{ kind: "other", files: walk(p.dir, isTs) }]
    : [
        { kind: "src", files: walk(path.join(p.dir, "src"), isTs) },
        { kind: "other", files: [...walk(path.join(p.dir, "test"), isTs), ...walk(path.join(p.dir, "bench"), isTs), ...walk(path.join(p.dir, "bin"), isTs), ...walk(path.join(p.dir, "scripts"), isTs)] },
      ];
  for (const { kind, files } of groups) {
    for (const file of files) {
      counted.scanned++;
      for (const { spec, line } of importsOf(file)) {
        const at = `line ${line}: import "${spec}"`;
        if (spec.startsWith(".")) {
          const target = path.resolve(path.dirname(file), spec);
          const owner = pkgs.find((q) => target === q.dir || target.startsWith(q.dir + path.sep));
          if (owner && owner !== p) report("layering", file, `${at} reaches into ${rel(owner.dir)}/; import "${owner.json.name}" instead`);
          else if (!owner && !target.startsWith(p.dir + path.sep)) report("layering", file, `${at} leaves the package`);
          continue;
        }
        if (isBuiltin(spec)) continue;
        const name = packageOf(spec);
        if (name.startsWith(SCOPE)) {
          const sub = spec.slice(name.length);
          if (/^\/(src|test|bench)(\/|$)/.test(sub)) report("layering", file, `${at} reaches into another package's ${sub.split("/")[1]}/; use the package's exports`);
          if (name === p.json.name) {
            // examples/ self-imports "@paligemma-ts/examples/plot" on purpose: lessons and notebooks share the line
            if (group === "package") report("layering", file, `${at} imports its own package by name; use a relative "./x.ts" import`);
          } else if (!(kind === "src" ? deps : allDeps).has(name)) {
            report("layering", file, `${at}: ${name} is not in ${kind === "src" ? "dependencies" : "dependencies or devDependencies"} of ${rel(path.join(p.dir, "package.json"))}`);
          }
        } else if (kind === "src" && !deps.has(name) && !deps.has(`@types/${name}`)) {
          report("layering", file, `${at}: ${name} is not in dependencies of ${rel(path.join(p.dir, "package.json"))}`);
        }
      }
    }
  }

  // header and size: .ts files under packages/*/src.
  if (group !== "package") continue;
  for (const file of walk(path.join(p.dir, "src"), (n) => n.endsWith(".ts"))) {
    counted.src++;
    const text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
    if (!/^\s*(\/\*\*|\/\/)/.test(text)) report("header", file, "does not start with a header comment (/** ... */ or //): what it teaches, the formula, references, what it leaves out");
    const lines = text.length === 0 ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (lines > MAX_LINES) report("size", file, `${lines} lines (limit ${MAX_LINES}); split it by concept`);
  }
}

// tests: every test-named file in the repo must be packages/<pkg>/test/<name>.test.ts (or examples/test/<name>.test.ts).
const TEST_NAME = /\.(test|spec)\.(m|c)?[jt]sx?$/;
for (const file of walk(ROOT, (n) => TEST_NAME.test(n))) {
  if (rel(file).startsWith("fixtures" + path.sep)) continue;
  const parts = rel(file).split(path.sep);
  const inPackage = parts.length === 4 && parts[0] === "packages" && parts[2] === "test" && parts[3].endsWith(".test.ts") && pkgs.some((q) => q.dir === path.join(ROOT, "packages", parts[1]));
  const inExamples = parts.length === 3 && parts[0] === "examples" && parts[1] === "test" && parts[2].endsWith(".test.ts");
  if (inPackage || inExamples) counted.tests++;
  else report("tests", file, "tests live in packages/<pkg>/test/<concept>.test.ts or examples/test/<name>.test.ts (vitest finds them there; nowhere else is run)");
}
for (const p of pkgs) {
  if (!rel(p.dir).startsWith("packages" + path.sep)) continue;
  if (walk(path.join(p.dir, "test"), (n) => n.endsWith(".test.ts")).length === 0) report("tests", p.dir, "has no test/*.test.ts");
}

// ---------------------------------------------------------------------------------------------

const RULES = {
  layering: "layering (packages and imports point down the layers; imports are declared dependencies)",
  header: "header (every packages/*/src/**/*.ts starts with a header comment)",
  size: `size (src files at most ${MAX_LINES} lines)`,
  tests: "tests (packages/<pkg>/test/*.test.ts, examples/test/*.test.ts)",
  pinned: "pinned (exact dependency versions, workspace:*)",
};
const total = Object.values(problems).reduce((s, list) => s + list.length, 0);
for (const [rule, title] of Object.entries(RULES)) {
  const list = problems[rule];
  console.log(`${list.length === 0 ? "ok  " : "FAIL"} ${title}${list.length ? `: ${list.length}` : ""}`);
  for (const line of list) console.log(`       ${line}`);
}
const summary = `${counted.packages} packages, ${counted.scanned} files scanned for imports, ${counted.src} src files, ${counted.tests} test files`;
if (total > 0) {
  console.log(`lint: ${total} problem${total === 1 ? "" : "s"} (${summary})`);
  process.exitCode = 1;
} else {
  console.log(`lint: ok (${summary})`);
}
