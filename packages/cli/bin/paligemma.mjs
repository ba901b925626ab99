#!/usr/bin/env node
// paligemma — the command's launcher. The package ships TypeScript sources and no build step, so
// this file loads src/main.ts through tsx's programmatic API (tsImport: the TypeScript loader
// applies to main.ts and everything it imports, not to the rest of the process) and runs it.
import { tsImport } from "tsx/esm/api";

const { main } = await tsImport("../src/main.ts", import.meta.url);
process.exitCode = await main(process.argv.slice(2));
