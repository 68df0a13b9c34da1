/**
 * node:crypto hash provider. crypto.hash() (Node ≥ 20.12) is the fastest one-shot path
 * (specs/toolchain.md §2.2); createHash is used for streams.
 */
import * as crypto from 'node:crypto';
import type { HashProvider } from '../core/hash.js';

type OneShot = (alg: string, data: Uint8Array, enc: 'buffer') => Buffer;
const oneShot: OneShot | undefined = (crypto as unknown as { hash?: OneShot }).hash;

function digestFn(alg: string): (d: Uint8Array) => Uint8Array {
  if (oneShot) return (d) => oneShot(alg, d, 'buffer');
  return (d) => crypto.createHash(alg).update(d).digest();
}

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
  sha384: digestFn('sha384'),
  sha256: digestFn('sha256'),
  createSha256: () => {
    const h = crypto.createHash('sha256');
    return { update: (d) => void h.update(d), digest: () => h.digest() };
  },
  createSha384: () => {
    const h = crypto.createHash('sha384');
    return { update: (d) => void h.update(d), digest: () => h.digest() };
  },
};
