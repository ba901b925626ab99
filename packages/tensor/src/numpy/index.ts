/**
 * numpy — NumPy's .npy arrays and .npz archives (a zip of .npy files), read into Tensors.
 */
export { NpyError, parseNpyHeader, readNpy, type NpyHeader } from "./npy.ts";
export { parseNpz, readNpz } from "./npz.ts";
