/**
 * text_streamer.ts — turn token ids arriving one at a time into printable text deltas.
 *
 * Teaches: you cannot print `decode([id])` token by token. SentencePiece pieces carry a leading
 * "▁" that becomes a space only between words, and with byte fallback one character (an emoji, an
 * accented letter) may arrive as several byte tokens (<0xC3><0xA9> = "é"), each of which alone
 * decodes to U+FFFD. So a streamer decodes everything generated so far and hands out only what is
 * new, holding back an unfinished character:
 *
 *   text_t  = decode(ids[0..t])
 *   emit    text_t[printed..]        unless text_t ends with U+FFFD (an unfinished character: wait)
 *   flush   text_T[printed..]        at the end, whatever is left (an unfinished character as U+FFFD)
 *
 * The deltas concatenate to decode(all ids), and nothing already handed out is ever repeated.
 * This is the bookkeeping of Hugging Face's TextStreamer (token_cache, print_len, end()).
 * Decoding the whole prefix each step is O(T^2) in characters, negligible next to a decoder step.
 *
 * Reference: Hugging Face transformers `generation/streamers.py` (TextStreamer.put / end).
 * Leaves out: word-boundary buffering (HF prints on spaces; we emit as soon as text is complete).
 */

export class TextStreamer {
  private readonly ids: number[] = [];
  private printed = 0;

  /** `decode` turns all ids so far into text (e.g. the tokenizer with skipSpecialTokens). */
  constructor(private readonly decode: (ids: readonly number[]) => string) {}

  /** Add one generated id; returns the text to print now (possibly ""). */
  push(id: number): string {
    this.ids.push(id);
    const text = this.decode(this.ids);
    if (text.endsWith("\uFFFD")) return "";
    return this.take(text);
  }

  /** At the end: whatever is left, unfinished characters included. */
  flush(): string {
    return this.take(this.decode(this.ids));
  }

  private take(text: string): string {
    if (text.length <= this.printed) return "";
    const delta = text.slice(this.printed);
    this.printed = text.length;
    return delta;
  }
}
