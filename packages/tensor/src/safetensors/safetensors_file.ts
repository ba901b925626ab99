/**
 * safetensors_file.ts — lazy reading of one .safetensors file.
 *
 * Teaches: opening a checkpoint should cost a few kilobytes, not gigabytes. `open` reads only the
 * 8-byte length and the JSON header (positioned reads on a file descriptor); `read(name)` then reads
 * exactly that tensor's bytes at
 *   absolute offset = 8 + headerLength + data_offsets[0]
 * into a fresh, aligned ArrayBuffer (a Float32Array needs a 4-aligned offset; the file does not
 * promise one), so the returned Tensor owns its memory and the file can be closed.
 *
 * Only regular files are opened (regular_file.ts): a shard that is a FIFO would otherwise block
 * `open` forever, and a directory would fail later with a bare EISDIR.
 *
 * Reference: https://github.com/huggingface/safetensors (safe_open); Node fs.readSync.
 * Leaves out: mmap (Node has none built in; see DESIGN.md for how ONNX Runtime maps the payload).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { type DType, viewBytes } from "../dtype.ts";
import { errorReason, openRegularFile } from "../regular_file.ts";
import { Tensor, numel } from "../tensor.ts";
import { type HeaderEntry, SafetensorsError, checkHeaderLength, parseHeader } from "./format.ts";

export interface TensorInfo {
  dtype: DType;
  shape: number[];
  /** Absolute byte offset of the tensor's data in the file. */
  byteOffset: number;
  byteLength: number;
}

/** Read exactly `length` bytes at `position` into `target` (readSync may return short counts). */
function readFully(fd: number, target: Uint8Array, position: number, file: string, tensor?: string): void {
  const CHUNK = 1 << 30; // readSync takes at most ~2 GiB per call
  let done = 0;
  while (done < target.length) {
    const want = Math.min(CHUNK, target.length - done);
    const got = fs.readSync(fd, target, done, want, position + done);
    if (got === 0) throw new SafetensorsError(file, `unexpected end of file at byte ${position + done}`, tensor);
    done += got;
  }
}

/**
 * What the file IS, as cheaply as it can be told (fstat of the open descriptor, so it describes the
 * bytes this reader sees): an in-place rewrite keeps size, inode and (with `cp -p`, `rsync -a`,
 * `touch -r`) mtime, but always moves ctime, which no user call can set back; a replaced file has a
 * new inode. Strings, so bigint nanoseconds survive JSON.
 */
export interface FileIdentity {
  size: string;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  dev: string;
  /** sha256 of the JSON header bytes (names, dtypes, shapes, offsets, metadata). */
  headerSha256: string;
}

export class SafetensorsFile {
  readonly path: string;
  readonly metadata: Record<string, string>;
  /** fstat + header hash at open (see FileIdentity). */
  readonly identity: FileIdentity;
  /** Absolute offset of the data section (8 + header length). */
  readonly dataStart: number;
  /** Bytes from dataStart to the end of the file. */
  readonly dataLength: number;
  private fd: number | null;
  private readonly entries: Map<string, HeaderEntry>;

  private constructor(path: string, fd: number, entries: Map<string, HeaderEntry>, metadata: Record<string, string>, dataStart: number, identity: FileIdentity) {
    this.path = path;
    this.fd = fd;
    this.entries = entries;
    this.metadata = metadata;
    this.dataStart = dataStart;
    this.identity = identity;
    this.dataLength = Number(identity.size) - dataStart;
  }

  /** Open `path` and parse its header; tensor data is not read. */
  static open(path: string): SafetensorsFile {
    let fd: number;
    try {
      fd = openRegularFile(path); // O_NONBLOCK + fstat: a FIFO, a directory or a device is refused, never read
    } catch (e) {
      throw new SafetensorsError(path, errorReason(e), undefined, { cause: e });
    }
    try {
      const st = fs.fstatSync(fd, { bigint: true });
      const size = Number(st.size);
      if (size < 8) throw new SafetensorsError(path, `file is ${size} bytes, shorter than the 8-byte header length: not a safetensors file`);
      const prefix = new Uint8Array(8);
      readFully(fd, prefix, 0, path);
      const n = checkHeaderLength(path, size, new DataView(prefix.buffer).getBigUint64(0, true));
      const header = new Uint8Array(n);
      readFully(fd, header, 8, path);
      const { entries, metadata } = parseHeader(path, header, size - 8 - n);
      const identity: FileIdentity = {
        size: String(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs), ino: String(st.ino), dev: String(st.dev),
        headerSha256: createHash("sha256").update(header).digest("hex"),
      };
      return new SafetensorsFile(path, fd, entries, metadata, 8 + n, identity);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  /** Tensor names in header order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** dtype, shape and where the bytes are, without reading them. */
  info(name: string): TensorInfo {
    const e = this.entry(name);
    return { dtype: e.dtype, shape: [...e.shape], byteOffset: this.dataStart + e.begin, byteLength: e.end - e.begin };
  }

  /** Read one tensor's bytes into a fresh aligned buffer. */
  read(name: string): Tensor {
    const e = this.entry(name);
    if (this.fd === null) throw new SafetensorsError(this.path, "file is closed", name);
    const bytes = new Uint8Array(e.end - e.begin);
    readFully(this.fd, bytes, this.dataStart + e.begin, this.path, name);
    return new Tensor(e.dtype, e.shape, viewBytes(e.dtype, bytes.buffer, 0, numel(e.shape)));
  }

  /** Release the file descriptor; later reads throw. Safe to call twice. */
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  private entry(name: string): HeaderEntry {
    const e = this.entries.get(name);
    if (!e) throw new SafetensorsError(this.path, `no such tensor (the file has ${this.entries.size})`, name);
    return e;
  }
}
