/**
 * A file as a ByteSource: positional reads through one file descriptor, so inputs of any size are
 * streamed with bounded memory. Errors name the path and say what went wrong in one line.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { inputError, SnpLaunchError } from '../core/errors.js';
import { checkRange, type ByteSource } from '../core/source.js';

export interface OpenOptions {
  /**
   * true: synchronous reads whatever the size (a stream the caller reads start to end with nothing
   * else to do meanwhile); false: asynchronous; default: synchronous only for files up to the
   * limit set by readSmallFilesSynchronously (none unless set).
   */
  sync?: boolean;
}

export async function openFileSource(path: string, label?: string, opts: OpenOptions = {}): Promise<ByteSource> {
  const name = label ?? path;
  const syncMax = opts.sync === true ? Infinity : opts.sync === false ? undefined : syncReadMax;
  if (syncMax !== undefined) {
    const s = openSyncSource(path, name, syncMax);
    if (s) return s;
  }
  // Loaded here, not at the top: a CLI run that reads only small files never needs node:fs/promises
  // (~3 ms to load: docs/benchmarks.md, row 4).
  const { open, stat } = await import('node:fs/promises');
  let fh: FileHandle;
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw inputError('IS_DIRECTORY', 'is a directory, not a file', { file: name });
    fh = await open(path, 'r');
    size = st.isFile() ? st.size : (await fh.stat()).size;
  } catch (e) {
    throw fileError(e, name);
  }
  if (heapLimitFrom !== undefined && size >= heapLimitFrom) await keepYoungGenerationSmall();
  const fill = async (buf: Uint8Array, offset: number): Promise<Uint8Array> => {
    const length = buf.length;
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) throw inputError('SHORT_READ', `file ended early at offset ${offset + done} (changed while reading?)`, { file: name, offset: offset + done });
      done += bytesRead;
    }
    return buf;
  };
  return {
    name,
    size,
    path,
    async read(offset, length) {
      checkRange(name, size, offset, length);
      return fill(new Uint8Array(length), offset);
    },
    async readInto(offset, target) {
      checkRange(name, size, offset, target.length);
      return fill(target, offset);
    },
    close: () => fh.close(),
  };
}

let syncReadMax: number | undefined;

/**
 * Opt-in for whole-process tools (the CLI, which does nothing else while it reads): files up to
 * `maxBytes` are read with synchronous positional reads. Each async read is a round trip through
 * the I/O thread pool; parsing an OVMF takes a dozen small reads before its 1,024 page reads, and
 * those waits were ~5 ms of a 4 MiB `measure` (docs/benchmarks.md, row 4). Larger files stay
 * asynchronous, so their reads overlap the hashing.
 */
export function readSmallFilesSynchronously(maxBytes: number | false = 64 << 20): void {
  syncReadMax = maxBytes === false ? undefined : maxBytes;
}

/** A synchronous source when `path` is a regular file of at most `max` bytes; undefined otherwise. */
function openSyncSource(path: string, name: string, max: number): ByteSource | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fileError(e, name);
  }
  let size: number;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw inputError('IS_DIRECTORY', 'is a directory, not a file', { file: name });
    if (!st.isFile() || st.size > max) {
      closeSync(fd);
      return undefined;
    }
    size = st.size;
  } catch (e) {
    closeSync(fd);
    throw fileError(e, name);
  }
  const fill = (buf: Uint8Array, offset: number): Uint8Array => {
    let done = 0;
    while (done < buf.length) {
      let n: number;
      try {
        n = readSync(fd, buf, done, buf.length - done, offset + done);
      } catch (e) {
        throw fileError(e, name);
      }
      if (n === 0) throw inputError('SHORT_READ', `file ended early at offset ${offset + done} (changed while reading?)`, { file: name, offset: offset + done });
      done += n;
    }
    return buf;
  };
  let closed = false;
  return {
    name,
    size,
    path,
    sync: true,
    read: async (offset, length) => (checkRange(name, size, offset, length), fill(new Uint8Array(length), offset)),
    readInto: async (offset, target) => (checkRange(name, size, offset, target.length), fill(target, offset)),
    close: async () => {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
}

let heapLimitFrom: number | undefined;
let youngGenFixed = false;

/**
 * Opt-in for whole-process tools (the CLI): once a file of at least `fromBytes` is opened, stop V8's
 * young generation from growing (`--semi-space-growth-factor=1`). Streaming a large input allocates
 * many short-lived digests, and the default growth (to 3 × 16 MiB) is resident memory that buys
 * little: 256 MiB IGVM via the CLI, ~118 → ~86 MiB peak RSS (docs/benchmarks.md, row 5). Only for
 * large inputs, because a V8 flag changed after start-up also invalidates Node's code cache for
 * the built-in modules loaded afterwards (~15 ms on a small run).
 */
export function limitHeapGrowthForLargeFiles(fromBytes = 64 << 20): void {
  heapLimitFrom = fromBytes;
}

async function keepYoungGenerationSmall(): Promise<void> {
  if (youngGenFixed) return;
  youngGenFixed = true;
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--semi-space-growth-factor=1');
}

/** Reads a whole (small) file, with the same one-line errors. */
export async function readSmallFile(path: string, maxBytes: number, label?: string): Promise<Uint8Array> {
  const src = await openFileSource(path, label);
  try {
    if (src.size > maxBytes) throw inputError('FILE_TOO_LARGE', `is ${src.size} bytes, more than the ${maxBytes} accepted here`, { file: src.name });
    return await src.read(0, src.size);
  } finally {
    await src.close?.();
  }
}

export function fileError(e: unknown, name: string): SnpLaunchError {
  if (e instanceof SnpLaunchError) return e;
  const code = (e as { code?: string }).code;
  const why =
    code === 'ENOENT' ? 'no such file' :
    code === 'EACCES' || code === 'EPERM' ? 'permission denied' :
    code === 'EISDIR' ? 'is a directory, not a file' :
    code === 'ENOTDIR' ? 'a path component is not a directory' :
    code === 'ELOOP' ? 'too many symbolic links' :
    `cannot read (${code ?? (e as Error).message})`;
  return inputError(`FILE_${code ?? 'ERROR'}`, why, { file: name });
}
