/**
 * @paligemma-ts/cli — the `paligemma` command (bin/paligemma.mjs runs src/main.ts through tsx).
 *
 *   main.ts               commander program; `main(argv)` resolves to the exit code
 *   commands/generate.ts  paligemma generate (greedy / sampling / beams / best-of, several images, --stream, --json, --draw)
 *   commands/objects.ts   detection / segmentation answers -> boxes, masks (VQ-VAE decoder, COCO RLE), drawing
 *   commands/score.ts     paligemma score (mean NLL of a suffix)
 *   commands/serve_commands.ts  paligemma serve | batch | download (@paligemma-ts/serve), --revision
 *   errors.ts             one-line `paligemma: error: ...` reporting
 *   option_values.ts      option parsers, greedy-vs-sampling rule
 *   input_paths.ts        early checks of --image
 *   load_model.ts         PaliGemma.open (folder, config, tokenizer, headers, prompt length), then
 *                         PaliGemma.load with a progress bar and load timing
 *   progress_bar.ts       cli-progress bar on stderr (TTY only)
 *   text_streamer.ts      ids -> printable text deltas (re-exports the library's TextStreamer)
 */
export { main, buildProgram, type CliIO, type CliOutput } from "./main.ts";
export { CliUsageError, errorMessage, reportError, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from "./errors.ts";
export { TextStreamer } from "./text_streamer.ts";
export { samplingFromOptions, type SamplingChoice } from "./option_values.ts";
