/**
 * ByteSource: random access to an input (firmware, IGVM, kernel) without holding it in memory.
 * Node backs it with a file descriptor (src/node/file-source.ts), the browser with a Blob, tests
 * with a Uint8Array. Reads past the end are an error, never silently short.
 */
import { inputError } from './errors.js';

export interface ByteSource {
  /** Name used in error messages (usually the path as the user gave it). */
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset`; rejects when the range is outside the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: fills all of `target` with the bytes at `offset` and resolves to it. Streams use it to
   * reuse a few buffers instead of allocating one per chunk (bounded RSS on multi-GiB inputs).
   */
  readInto?(offset: number, target: Uint8Array): Promise<Uint8Array>;
  /** Optional: release resources (file descriptors). */
  close?(): Promise<void>;
  /** Optional: the file on disk behind the source, which a Node edge may read on a worker thread. */
  readonly path?: string;
  /**
   * Optional: true when reads finish before they return (the CLI's file sources). Streaming then
   * keeps no reads in flight: read-ahead buffers would only be fresh memory to fault in.
   */
  readonly sync?: boolean;
  /**
   * Optional: the SHA-384 digests (48 bytes per 4 KiB page) of [offset, offset + length) when the
   * source computed them ahead (a Node edge hashes an IGVM file's data while its headers are
   * parsed); undefined otherwise, and the caller reads and hashes the bytes itself. A page's
   * digest does not depend on where it is measured, so this is the same result, earlier.
   */
  pageDigests?(offset: number, length: number): Uint8Array | undefined;
  /**
   * Optional: given the page digests the firmware model computed for [offset, offset + length), so
   * a source measured again (one IGVM file on several platforms) can answer `pageDigests` from
   * memory (memoPageDigests).
   */
  keepPageDigests?(offset: number, length: number, digests: Uint8Array): void;
}

/**
 * `src` with a memory of the page digests computed from it: one file measured on six platforms
 * hashes its pages once. At most `maxDigestBytes` of digests are kept (48 bytes per 4 KiB page:
 * the default 8 MiB covers 680 MiB of page data); past that, ranges are hashed as usual.
 */
export function memoPageDigests(src: ByteSource, maxDigestBytes = 8 << 20): ByteSource {
  const memo = new Map<string, Uint8Array>();
  let kept = 0;
  const out: ByteSource = {
    name: src.name,
    size: src.size,
    read: (offset, length) => src.read(offset, length),
    pageDigests: (offset, length) => memo.get(`${offset}:${length}`) ?? src.pageDigests?.(offset, length),
    keepPageDigests(offset, length, digests) {
      const key = `${offset}:${length}`;
      if (memo.has(key) || kept + digests.length > maxDigestBytes) return;
      memo.set(key, digests.slice());
      kept += digests.length;
    },
  };
  if (src.readInto) out.readInto = (offset, target) => src.readInto!(offset, target);
  if (src.close) out.close = () => src.close!();
  if (src.sync !== undefined) (out as { sync?: boolean }).sync = src.sync;
  if (src.path !== undefined) (out as { path?: string }).path = src.path;
  return out;
}

/** Chunk size for streaming reads: big enough to amortise calls, small enough to bound memory. */
export const STREAM_CHUNK = 1 << 20;

export function bytesSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.length,
    read(offset, length) {
      checkRange(name, bytes.length, offset, length);
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
  };
}

/** A Blob/File (browser) as a ByteSource. */
export function blobSource(name: string, blob: Blob): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset, length) {
      checkRange(name, blob.size, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

export function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw inputError('READ_OUT_OF_RANGE', `read of ${length} bytes at offset ${offset} is past the end (size ${size})`, {
      file: name,
      offset,
    });
  }
}

/** Streams [offset, offset+length) in chunks of at most `chunk` bytes. */
export async function* chunks(src: ByteSource, offset = 0, length = src.size - offset, chunk = STREAM_CHUNK): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < length; o += chunk) {
    yield await src.read(offset + o, Math.min(chunk, length - o));
  }
}

/**
 * Reads [offset, offset+length) in chunks of `chunk` bytes, keeping `ahead` reads in flight while
 * the caller consumes the current one, and hands each chunk to `consume`. With `readInto` the
 * chunks live in `ahead + 1` reused buffers, so a chunk is only valid until `consume` returns (or
 * its promise settles). Reads run on the I/O pool while `consume` hashes on this thread.
 */
export async function streamChunks(
  src: ByteSource,
  offset: number,
  length: number,
  consume: (c: Uint8Array, at: number) => void | Promise<void>,
  chunk = STREAM_CHUNK,
  ahead = 2,
): Promise<void> {
  if (length <= 0) return;
  if (src.sync) ahead = 0;
  const { readInto } = src;
  const bufs: Uint8Array[] = [];
  const issue = (k: number): Promise<Uint8Array> => {
    const o = k * chunk;
    const n = Math.min(chunk, length - o);
    if (!readInto) return src.read(offset + o, n);
    const slot = k % (ahead + 1);
    const buf = (bufs[slot] ??= new Uint8Array(chunk));
    return readInto.call(src, offset + o, n === chunk ? buf : buf.subarray(0, n));
  };
  const count = Math.ceil(length / chunk);
  const inflight: Promise<Uint8Array>[] = [];
  // Unhandled-rejection guard: a read ahead of a failing consume must not crash the process.
  const guard = (p: Promise<Uint8Array>) => (p.catch(() => undefined), p);
  for (let k = 0; k < Math.min(ahead + 1, count); k++) inflight.push(guard(issue(k)));
  for (let k = 0; k < count; k++) {
    const c = await inflight.shift()!;
    await consume(c, k * chunk);
    // The buffer of chunk k is free again only now: reuse it for chunk k + ahead + 1.
    if (k + ahead + 1 < count) inflight.push(guard(issue(k + ahead + 1)));
  }
}

/** Streaming SHA-style digest of a whole source with the given incremental hash. */
export async function hashSource(src: ByteSource, h: { update(d: Uint8Array): void; digest(): Uint8Array }): Promise<Uint8Array> {
  await streamChunks(src, 0, src.size, (c) => h.update(c));
  return h.digest();
}
