// open_checkpoint.ts — Checkpoint.open(p) as a function runIsolated can call in a child process
// (safetensors_checkpoint.test.ts: a FIFO must be refused, and a regression must fail, not hang).
import { Checkpoint, SafetensorsError } from "../src/index.ts";

export function openCheckpoint(p: string): { name?: string; message?: string; tensor?: string } {
  try {
    Checkpoint.open(p).close();
    return {};
  } catch (e) {
    return { name: (e as Error).constructor.name, message: (e as Error).message, tensor: e instanceof SafetensorsError ? e.tensor : undefined };
  }
}
