/**
 * image_list.ts — what `paligemma batch --images X` means by X: a folder, a glob, or a list file.
 *
 *   photos/                 every image file directly in the folder (by extension), sorted
 *   "photos/**\/*.jpg"      a glob: `*` and `?` within a path segment, `**` across segments,
 *                           `[abc]` character classes (quote it so the shell leaves it alone)
 *   list.txt                one path per line, relative to the list's folder; blank lines and
 *                           lines starting with # are skipped
 *   photo.png               one image
 * Paths come back as given (relative stays relative), deduplicated, in a stable order: a resumed
 * run walks the same list.
 *
 * Reference: POSIX glob(7) (the subset above); Python's glob with recursive=True for `**`.
 * Leaves out: brace expansion {a,b}, negation, dotfiles (skipped by * as the shell does).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { RequestError } from "./errors.ts";

export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff"];
const isImage = (name: string) => IMAGE_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));
const GLOB = /[*?[]/;

/** The image paths `spec` names (see the header); throws RequestError (param `--images`) when it names none. */
export function listImages(spec: string): string[] {
  let out: string[];
  const st = statSync(spec, { throwIfNoEntry: false });
  if (st?.isDirectory()) out = readdirSync(spec).filter((n) => isImage(n) && !n.startsWith(".")).sort().map((n) => join(spec, n)).filter((p) => statSync(p).isFile());
  else if (st?.isFile() && isImage(spec)) out = [spec];
  else if (st?.isFile()) out = readList(spec);
  else if (GLOB.test(spec)) out = expandGlob(spec);
  else throw new RequestError(`--images '${spec}' is not a folder, a list file, an image or a glob pattern`, "--images");
  out = [...new Set(out)];
  if (out.length === 0) throw new RequestError(`--images '${spec}' names no image files (${IMAGE_EXTENSIONS.join(" ")})`, "--images");
  return out;
}

function readList(file: string): string[] {
  const base = dirname(file);
  return readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => (resolve(l) === l ? l : join(base, l)));
}

/** One glob segment as a regular expression (`*`, `?`, `[...]`; everything else literal). */
function segmentRegExp(seg: string): RegExp {
  let re = "";
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = seg.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        const body = seg.slice(i + 1, end).replace(/\\/g, "\\\\");
        re += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** Expand a glob pattern against the file system, sorted. */
export function expandGlob(pattern: string): string[] {
  const parts = pattern.split(/[\\/]/);
  const first = parts.findIndex((p) => GLOB.test(p));
  const base = parts.slice(0, first).join("/") || (pattern.startsWith("/") ? "/" : ".");
  const rest = parts.slice(first);
  const found: string[] = [];
  const walk = (dir: string, i: number) => {
    if (i === rest.length) return;
    const seg = rest[i];
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    if (seg === "**") {
      walk(dir, i + 1); // zero segments
      for (const e of entries) if (!e.startsWith(".") && statSync(join(dir, e), { throwIfNoEntry: false })?.isDirectory()) walk(join(dir, e), i);
      return;
    }
    const re = segmentRegExp(seg);
    for (const e of entries) {
      if (e.startsWith(".") && !seg.startsWith(".")) continue;
      if (!re.test(e)) continue;
      const p = join(dir, e);
      const st = statSync(p, { throwIfNoEntry: false });
      if (i === rest.length - 1) {
        if (st?.isFile()) found.push(p);
      } else if (st?.isDirectory()) walk(p, i + 1);
    }
  };
  walk(base, 0);
  const rel = base === "." && !pattern.startsWith("./");
  return [...new Set(found)].sort().map((p) => (rel ? relative(".", p).split(sep).join("/") : p));
}
