/**
 * The worker's hash provider: @noble/hashes (the core's default) for the small synchronous hashes,
 * plus two speed-ups for the table, which measures the same image up to nine times:
 *  - page digests (HashProvider.sha384Pages, 1 MiB batches) through WebCrypto, which hashes 4 KiB
 *    pages about four times faster than pure JS in Chromium (specs/toolchain.md §2.4);
 *  - a prefix cache for streamed SHA-256 (SEV, SEV-ES, input descriptions): every row streams the
 *    same firmware chunks first, so the hash state after each large chunk is kept and reused when
 *    the next hash is fed byte-identical chunks (compared in full, never by fingerprint).
 * The cache is bounded and reset for each new image (resetHashCache).
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { nobleHashProvider, type HashProvider, type IncrementalHash } from '../../src/core/hash.js';

const PAGE = 4096;
const DIGEST = 48;
/** Only updates at least this large are cached (firmware chunks, not tables or VMSAs). */
const CACHE_MIN = 64 * 1024;
/** Upper bound on the bytes the cache keeps. */
const CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** Pages handed to WebCrypto at once. */
const WEBCRYPTO_BATCH = 256;

type NobleSha256 = ReturnType<typeof nobleSha256.create>;

interface PrefixCache {
  chunks: Uint8Array[];
  /** states[i] = the hash state after chunks[0..i]. */
  states: NobleSha256[];
  bytes: number;
  /** A hash is recording: no other hash may append. */
  recording: boolean;
}

let cache: PrefixCache = { chunks: [], states: [], bytes: 0, recording: false };

export function resetHashCache(): void {
  cache = { chunks: [], states: [], bytes: 0, recording: false };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const n = a.length >>> 2;
    const x = new Uint32Array(a.buffer, a.byteOffset, n);
    const y = new Uint32Array(b.buffer, b.byteOffset, n);
    for (let i = 0; i < n; i++) if (x[i] !== y[i]) return false;
    for (let i = n << 2; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** SHA-256 that skips hashing a prefix of large chunks it has already seen. */
class CachedSha256 implements IncrementalHash {
  private inner: NobleSha256 | undefined;
  /** Chunks of the cache matched so far (while inner is undefined). */
  private matched = 0;
  /** This hash is the one building the cache. */
  private recording = false;
  private readonly snapshot = cache;

  update(d: Uint8Array): void {
    if (this.inner === undefined) {
      const c = this.snapshot;
      const cached = c.chunks[this.matched];
      if (cached !== undefined && d.length >= CACHE_MIN && equalBytes(d, cached)) {
        this.matched++;
        return;
      }
      this.inner = this.matched > 0 ? c.states[this.matched - 1]!.clone() : nobleSha256.create();
      // Record only when starting from scratch on an empty cache with a large chunk.
      this.recording = this.matched === 0 && c.chunks.length === 0 && !c.recording && d.length >= CACHE_MIN;
      if (this.recording) c.recording = true;
    }
    this.inner.update(d);
    if (this.recording) {
      const c = this.snapshot;
      if (d.length >= CACHE_MIN && c.bytes + d.length <= CACHE_MAX_BYTES) {
        c.chunks.push(d.slice());
        c.states.push(this.inner.clone());
        c.bytes += d.length;
      } else {
        this.stopRecording();
      }
    }
  }

  private stopRecording(): void {
    this.recording = false;
    this.snapshot.recording = false;
  }

  digest(): Uint8Array {
    if (this.recording) this.stopRecording();
    const h = this.inner ?? (this.matched > 0 ? this.snapshot.states[this.matched - 1]!.clone() : nobleSha256.create());
    return h.digest();
  }
}

async function webCryptoPages(pages: Uint8Array): Promise<Uint8Array> {
  const n = pages.length / PAGE;
  const out = new Uint8Array(n * DIGEST);
  for (let first = 0; first < n; first += WEBCRYPTO_BATCH) {
    const last = Math.min(n, first + WEBCRYPTO_BATCH);
    const batch: Promise<ArrayBuffer>[] = [];
    for (let i = first; i < last; i++) batch.push(crypto.subtle.digest('SHA-384', pages.subarray(i * PAGE, (i + 1) * PAGE) as Uint8Array<ArrayBuffer>));
    const done = await Promise.all(batch);
    done.forEach((d, k) => out.set(new Uint8Array(d), (first + k) * DIGEST));
  }
  return out;
}

export const explorerHashProvider: HashProvider = {
  ...nobleHashProvider,
  name: '@noble/hashes + WebCrypto pages',
  createSha256: () => new CachedSha256(),
  ...(typeof crypto !== 'undefined' && crypto.subtle ? { sha384Pages: webCryptoPages } : {}),
};
