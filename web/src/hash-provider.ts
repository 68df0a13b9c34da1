/**
 * The worker's hash provider: @noble/hashes (the core's default) for the small synchronous hashes,
 * plus two speed-ups for the table, which measures the same image up to nine times:
 *  - page digests (HashProvider.sha384Pages, 1 MiB batches) through WebCrypto, which hashes 4 KiB
 *    pages about four times faster than pure JS in Chromium (specs/toolchain.md §2.4);
 *  - a prefix cache for streamed SHA-256 (SEV, SEV-ES, kernel/initrd hashes, input descriptions):
 *    every row streams the same firmware (and kernel, initrd) chunks, so the hash state after each
 *    large chunk is kept, one chain per distinct stream, and reused when a later hash is fed
 *    byte-identical chunks (compared in full, never by fingerprint).
 * The cache is bounded and reset for each new set of inputs (resetHashCache).
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { nobleHashProvider, type HashProvider, type IncrementalHash } from '../../src/core/hash.js';

const PAGE = 4096;
const DIGEST = 48;
/** Only updates at least this large are cached (file chunks, not tables or VMSAs). */
const CACHE_MIN = 64 * 1024;
/** Upper bound on the bytes all chains keep (firmware + kernel + initrd of a typical launch). */
const CACHE_MAX_BYTES = 128 * 1024 * 1024;
/** Pages handed to WebCrypto at once. */
const WEBCRYPTO_BATCH = 256;

type NobleSha256 = ReturnType<typeof nobleSha256.create>;

/** One stream seen before: its large leading chunks and the hash state after each. */
interface Chain {
  chunks: Uint8Array[];
  /** states[i] = the state after chunks[0..i]. */
  states: NobleSha256[];
}

let chains: Chain[] = [];
let cachedBytes = 0;

export function resetHashCache(): void {
  chains = [];
  cachedBytes = 0;
}

/** What the cache holds (for tests and the benchmark log). */
export function hashCacheStats(): { chains: number; chunks: number; bytes: number } {
  return { chains: chains.length, chunks: chains.reduce((n, c) => n + c.chunks.length, 0), bytes: cachedBytes };
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
  /** The chain being followed (while inner is undefined) or recorded. */
  private chain: Chain | undefined;
  /** Chunks of `chain` matched so far. */
  private matched = 0;
  private recording = false;
  /** The cache generation this hash started in (a reset stops it touching the new cache). */
  private readonly gen = chains;

  update(d: Uint8Array): void {
    if (this.inner === undefined) {
      if (d.length >= CACHE_MIN) {
        const next = this.chain ? this.chain.chunks[this.matched] : undefined;
        if (next !== undefined && equalBytes(d, next)) {
          this.matched++;
          return;
        }
        if (!this.chain) {
          const hit = this.gen.find((c) => c.chunks[0] !== undefined && equalBytes(d, c.chunks[0]));
          if (hit) {
            this.chain = hit;
            this.matched = 1;
            return;
          }
        }
      }
      this.inner = this.chain && this.matched > 0 ? this.chain.states[this.matched - 1]!.clone() : nobleSha256.create();
      // A stream nobody has seen: record it as a new chain (while the budget lasts).
      if (!this.chain && d.length >= CACHE_MIN && this.gen === chains) {
        this.chain = { chunks: [], states: [] };
        chains.push(this.chain);
        this.recording = true;
      }
    }
    this.inner.update(d);
    if (this.recording) {
      if (d.length >= CACHE_MIN && cachedBytes + d.length <= CACHE_MAX_BYTES && this.gen === chains) {
        this.chain!.chunks.push(d.slice());
        this.chain!.states.push(this.inner.clone());
        cachedBytes += d.length;
      } else {
        this.stopRecording();
      }
    }
  }

  private stopRecording(): void {
    this.recording = false;
  }

  digest(): Uint8Array {
    this.recording = false;
    const h = this.inner ?? (this.chain && this.matched > 0 ? this.chain.states[this.matched - 1]!.clone() : nobleSha256.create());
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

/**
 * Runs each hash path once on a little data so the JIT has compiled them before the user's file
 * arrives (called when the worker starts; the first measurement then skips about 100 ms of warm-up).
 */
export async function warmUpHashes(): Promise<void> {
  const page = new Uint8Array(PAGE * 16);
  for (let i = 0; i < 2000; i++) nobleHashProvider.sha384(page.subarray(0, 0x70));
  const h = nobleSha256.create();
  for (let i = 0; i < 16; i++) h.update(page);
  h.digest();
  if (explorerHashProvider.sha384Pages) await explorerHashProvider.sha384Pages(page);
}
