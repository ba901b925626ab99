/**
 * text_streamer.ts — ids arriving one at a time -> printable text deltas; now the library's.
 *
 * Teaches: where this logic belongs. `paligemma generate --stream` first carried its own streamer
 * because the library's TokenEvent.text repeated the whole answer once a byte-fallback character
 * (U+FFFD while unfinished) completed. The library now streams deltas with the same rule (decode
 * everything so far, hold back a tail ending in U+FFFD, flush at the end: Hugging Face's
 * TextStreamer bookkeeping), so the command prints `TokenEvent.text` as it is, and this module only
 * re-exports the library's TextStreamer for programs that feed ids themselves.
 *
 * Reference: @paligemma-ts/paligemma `text_streamer.ts`.
 */
export { TextStreamer } from "@paligemma-ts/paligemma";
