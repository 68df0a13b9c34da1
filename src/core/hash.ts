/**
 * The hash functions every digest path uses, injected so that the core runs unchanged in Node
 * (node:crypto, installed by src/node) and in browsers (@noble/hashes by default; the explorer may
 * install a faster provider). SHA-384 for SNP (FIPS 180-4), SHA-256 for SEV/SEV-ES and kernel hashes.
 */
import { sha256 as nobleSha256, sha384 as nobleSha384 } from '@noble/hashes/sha2.js';
import type { ByteSource } from './source.js';

export interface IncrementalHash {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

export interface HashProvider {
  /** Name shown in benchmarks and --json output. */
  readonly name: string;
  sha384(data: Uint8Array): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  /**
   * Optional: writes the SHA-384 of `data` into `out` at `offset` (48 bytes), for loops that fill
   * one array with page digests without a result array per page. Callers fall back to `sha384`.
   */
  sha384Into?(data: Uint8Array, out: Uint8Array, offset: number): void;
  createSha256(): IncrementalHash;
  createSha384(): IncrementalHash;
  /**
   * Optional: SHA-384 of each 4 KiB page of `pages` (length a multiple of 4096), 48 bytes per page,
   * concatenated. A provider may run it in parallel (worker threads); the digest engine falls back
   * to `sha384` page by page when absent.
   */
  sha384Pages?(pages: Uint8Array): Promise<Uint8Array>;
  /**
   * Optional: SHA-256 of a whole source off the calling thread (a Node worker reading the file
   * itself), or undefined when the provider would not gain by it (small, or not a file): the
   * caller then streams it through createSha256. Lets independent streams run on several cores.
   */
  sha256Source?(src: ByteSource): Promise<Uint8Array> | undefined;
  /**
   * Optional: CRC-32 (IEEE, zlib's) of `data` continuing from the finished CRC `value` (0 to start),
   * e.g. Node's native zlib.crc32. The IGVM checksum uses it when present; otherwise JS tables.
   */
  crc32?(data: Uint8Array, value: number): number;
}

export const nobleHashProvider: HashProvider = {
  name: '@noble/hashes',
  sha384: (d) => nobleSha384(d),
  sha256: (d) => nobleSha256(d),
  createSha256: () => nobleSha256.create(),
  createSha384: () => nobleSha384.create(),
};

let current: HashProvider = nobleHashProvider;

/** The provider in force. */
export function hashProvider(): HashProvider {
  return current;
}

/** Replaces the provider for the whole process/page (the Node entry point installs node:crypto). */
export function setHashProvider(p: HashProvider): void {
  current = p;
}

export const sha384 = (d: Uint8Array): Uint8Array => current.sha384(d);
export const sha256 = (d: Uint8Array): Uint8Array => current.sha256(d);
