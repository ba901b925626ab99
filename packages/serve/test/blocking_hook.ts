/**
 * blocking_hook.ts — a LoadSpec.modelHook for tests: the vision runner blocks its thread
 * (Atomics.wait) until the test releases it, so a test can prove that the HTTP thread keeps
 * answering while the model thread is busy. flag[0]: 1 = released; flag[1]: 1 = a request is blocked.
 */
import type { DecoderRunner, VisionRunner } from "@paligemma-ts/paligemma";

export default function hook(runners: { vision: VisionRunner; decoder: DecoderRunner }, data: { flag: SharedArrayBuffer }) {
  const flag = new Int32Array(data.flag);
  const vision: VisionRunner = {
    encode: (pixels, trace) => {
      Atomics.store(flag, 1, 1);
      Atomics.wait(flag, 0, 0); // the whole worker thread stops here, as in a long synchronous prefill
      return runners.vision.encode(pixels, trace);
    },
    project: (h) => runners.vision.project(h),
    dispose: () => runners.vision.dispose(),
  };
  return { vision, decoder: runners.decoder };
}
