/**
 * crash_hook.ts — a LoadSpec.modelHook for tests: the first decode pass of the first worker blocks
 * its thread (Atomics.wait) BETWEEN decoder passes, so a test can kill a worker that is running a
 * generation while no onnxruntime call is in flight. (Terminating a worker thread inside
 * session.run aborts the whole process in onnxruntime-node: "terminate called after throwing an
 * instance of 'Napi::Error'", which is how the crash test used to fail about one run in three.)
 * flag[0]: 1 once a pass has blocked (a restarted worker runs normally); flag[1]: 1 while blocked.
 */
import type { DecoderRunner, VisionRunner } from "@paligemma-ts/paligemma";

export default function hook(runners: { vision: VisionRunner; decoder: DecoderRunner }, data: { flag: SharedArrayBuffer }) {
  const flag = new Int32Array(data.flag);
  const inner = runners.decoder;
  const decoder: DecoderRunner = {
    embed: (ids) => inner.embed(ids),
    createCache: (batch, maxLength) => inner.createCache(batch, maxLength),
    forward(input) {
      if ((input.cache?.length ?? 0) > 0 && Atomics.compareExchange(flag, 0, 0, 1) === 0) {
        Atomics.store(flag, 1, 1);
        Atomics.wait(flag, 1, 1); // until the test terminates this thread (nothing wakes it)
      }
      return inner.forward(input);
    },
    dispose: () => inner.dispose(),
  };
  return { vision: runners.vision, decoder };
}
