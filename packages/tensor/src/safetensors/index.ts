/**
 * safetensors — read (lazily) and write the Hugging Face safetensors format, single or sharded.
 */
export { SafetensorsError, SAFETENSORS_TO_DTYPE, DTYPE_TO_SAFETENSORS, MAX_HEADER_BYTES, parseHeader, type HeaderEntry, type ParsedHeader } from "./format.ts";
export { SafetensorsFile, type FileIdentity, type TensorInfo } from "./safetensors_file.ts";
export { Checkpoint, INDEX_FILE, MAX_INDEX_BYTES, SINGLE_FILE } from "./checkpoint.ts";
export { safetensorsHeader, serializeSafetensors, writeSafetensors, type TensorSpec } from "./write.ts";
export { TensorRows } from "./tensor_rows.ts";
