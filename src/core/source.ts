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
  /** Optional: release resources (file descriptors). */
  close?(): Promise<void>;
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

/** Streaming SHA-style digest of a whole source with the given incremental hash. */
export async function hashSource(src: ByteSource, h: { update(d: Uint8Array): void; digest(): Uint8Array }): Promise<Uint8Array> {
  for await (const c of chunks(src)) h.update(c);
  return h.digest();
}
