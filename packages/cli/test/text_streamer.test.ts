/**
 * text_streamer.test.ts — deltas concatenate to the full decode; unfinished characters are held back.
 */
import { describe, expect, it } from "vitest";
import { TextStreamer } from "../src/text_streamer.ts";

/** A toy SentencePiece-like decoder: "▁" pieces become spaces except at the start; byte pieces <0xNN> form UTF-8. */
const PIECES: Record<number, string> = { 1: "▁a", 2: "▁cat", 3: "s", 4: "<0xC3>", 5: "<0xA9>", 6: "<loc0006>" };
function decode(ids: readonly number[]): string {
  const bytes: number[] = [];
  for (const id of ids) {
    const p = PIECES[id] ?? "";
    const m = /^<0x([0-9A-F]{2})>$/.exec(p);
    if (m) bytes.push(parseInt(m[1], 16));
    else bytes.push(...new TextEncoder().encode(p.replaceAll("▁", " ")));
  }
  return new TextDecoder().decode(new Uint8Array(bytes)).replace(/^ /, "");
}

describe("TextStreamer", () => {
  it("streams deltas whose concatenation is the full text", () => {
    const ids = [1, 2, 3, 4, 5, 6, 999];
    const s = new TextStreamer(decode);
    const deltas = ids.map((id) => s.push(id));
    deltas.push(s.flush());
    expect(deltas.join("")).toBe(decode(ids));
    expect(deltas.join("")).toBe("a catsé<loc0006>");
  });
  it("holds back half of a two-byte character until it is complete", () => {
    const s = new TextStreamer(decode);
    expect(s.push(1)).toBe("a");
    expect(s.push(4)).toBe(""); // 0xC3 alone is U+FFFD
    expect(s.push(5)).toBe("é");
  });
  it("flush prints an unfinished character as the decoder renders it", () => {
    const s = new TextStreamer(decode);
    s.push(4);
    expect(s.flush()).toBe("\uFFFD");
  });
});
