/**
 * sentencepiece_js.d.ts — types for the untyped `sentencepiece-js` package (a wasm build of
 * SentencePiece), only the members tokenizer.ts uses.
 */
declare module "sentencepiece-js" {
  export class SentencePieceProcessor {
    load(path: string): Promise<void>;
    encodeIds(text: string): number[];
    encodePieces(text: string): string[];
    decodeIds(ids: number[]): string;
  }
  const sentencepiece: { SentencePieceProcessor: typeof SentencePieceProcessor };
  export default sentencepiece;
}
