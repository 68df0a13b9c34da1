/**
 * node:crypto hash provider. crypto.hash() (Node ≥ 20.12) is the fastest one-shot path
 * (specs/toolchain.md §2.2); createHash is used for streams.
 *
 * One-shot digests are taken as latin1 strings and copied into bytes: a Buffer result costs an
 * off-heap ArrayBuffer (malloc, external-memory accounting, a finalizer) and two extra
 * toLowerCase calls inside crypto.hash per digest, while a 48-byte string and a 48-byte Uint8Array
 * both live on V8's heap. For the 2,087 digests of a 4 MiB OVMF `measure` that is ~16 → ~10 ms
 * cold, and 112-byte PAGE_INFO digests warm go from ~1.7 to ~0.9 µs (docs/benchmarks.md, row 4).
 */
import * as crypto from 'node:crypto';
import type { HashProvider } from '../core/hash.js';

type OneShot = (alg: string, data: Uint8Array, enc: 'latin1') => string;
const oneShot: OneShot | undefined = (crypto as unknown as { hash?: OneShot }).hash;

/** Writes the `size`-byte `alg` digest of `data` into `out` at `offset`. */
export type DigestInto = (data: Uint8Array, out: Uint8Array, offset: number) => void;

function digestInto(alg: string, size: number): DigestInto {
  if (oneShot) {
    return (d, out, offset) => {
      const s = oneShot(alg, d, 'latin1');
      for (let i = 0; i < size; i++) out[offset + i] = s.charCodeAt(i);
    };
  }
  return (d, out, offset) => out.set(crypto.createHash(alg).update(d).digest(), offset);
}

function digestFn(into: DigestInto, size: number): (d: Uint8Array) => Uint8Array {
  return (d) => {
    const out = new Uint8Array(size);
    into(d, out, 0);
    return out;
  };
}

export const sha384Into: DigestInto = digestInto('sha384', 48);
const sha256Into: DigestInto = digestInto('sha256', 32);

type Crc32Fn = (data: Uint8Array, value: number) => number;
/**
 * zlib.crc32 (Node ≥ 20.15; engines requires ≥ 20.19), loaded on first use so runs without IGVM
 * never load zlib.
 */
let zlibCrc: Crc32Fn | undefined;
const nativeCrc32 = (): Crc32Fn =>
  (zlibCrc ??= ((process as unknown as { getBuiltinModule(id: string): unknown }).getBuiltinModule('node:zlib') as { crc32: Crc32Fn }).crc32);

export const nodeHashProvider: HashProvider = {
  name: 'node:crypto',
  crc32: (d, v) => nativeCrc32()(d, v),
  sha384: digestFn(sha384Into, 48),
  sha256: digestFn(sha256Into, 32),
  sha384Into,
  createSha256: () => {
    const h = crypto.createHash('sha256');
    return { update: (d) => void h.update(d), digest: () => h.digest() };
  },
  createSha384: () => {
    const h = crypto.createHash('sha384');
    return { update: (d) => void h.update(d), digest: () => h.digest() };
  },
};
