/**
 * Structure-aware mutations of IGVM files for fuzzing the parser (test/igvm/property.test.ts and
 * scripts/fuzz-igvm.mjs). Deterministic from a seed. Mutations know the layout (specs/igvm.md §2,
 * §3) so that most of them get past the magic and size checks, and half of them re-seal the CRC
 * so that the header decoding and validation code is reached. Not part of the public API.
 */
import { setU32, u32 } from '../../core/bytes.js';
import { crc32 } from './crc32.js';
import { FIXED, FIXED_SIZE_V1, FIXED_SIZE_V2, HEADER_TYPES, align8 } from './defs.js';

/** mulberry32: a tiny seeded PRNG (32-bit state), enough for reproducible fuzzing. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KNOWN_TYPES = Object.values(HEADER_TYPES).map((t) => t.type);
/** Values that tend to hit boundaries: zero, one, alignment edges, sign bits, all ones. */
const INTERESTING = [0, 1, 2, 7, 8, 0x18, 0x20, 0xfff, 0x1000, 0x1001, 0x20_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff];

/** TLV starts in a well-formed variable header (stops at the first inconsistency). */
export function tlvOffsets(f: Uint8Array): number[] {
  if (f.length < FIXED_SIZE_V1) return [];
  const vho = u32(f, FIXED.variableHeaderOffset);
  const end = Math.min(f.length, vho + u32(f, FIXED.variableHeaderSize));
  const out: number[] = [];
  for (let p = vho; p + 8 <= end && out.length < 10_000; ) {
    out.push(p);
    const next = align8(p + 8 + u32(f, p + 4));
    if (next <= p) break;
    p = next;
  }
  return out;
}

/** Recomputes total_file_size (optionally) and the CRC, when the fixed header is readable. */
export function reseal(f: Uint8Array, fixSize: boolean): void {
  if (f.length < FIXED_SIZE_V1) return;
  if (fixSize) setU32(f, FIXED.totalFileSize, f.length);
  const version = u32(f, FIXED.formatVersion);
  const fixedSize = version === 2 ? FIXED_SIZE_V2 : FIXED_SIZE_V1;
  const vho = u32(f, FIXED.variableHeaderOffset);
  const vhs = u32(f, FIXED.variableHeaderSize);
  if (f.length < fixedSize || vho + vhs > f.length) return;
  const head = f.slice(0, fixedSize);
  head.fill(0, FIXED.checksum, FIXED.checksum + 4);
  setU32(f, FIXED.checksum, crc32(head, f.subarray(vho, vho + vhs)));
}

/** One random mutation of `src` (never modified); returns a new array. */
export function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  let f = src.slice();
  const tlvs = tlvOffsets(f);
  const tlv = tlvs.length > 0 ? pick(tlvs) : undefined;
  const vhEnd = f.length >= FIXED_SIZE_V1 ? Math.min(f.length, u32(f, FIXED.variableHeaderOffset) + u32(f, FIXED.variableHeaderSize)) : f.length;
  const value = () => (rnd() < 0.6 ? pick(INTERESTING) : (rnd() * 0x1_0000_0000) >>> 0);
  switch (int(9)) {
    case 0: {
      // Flip 1-4 bits, mostly inside the headers.
      const span = rnd() < 0.8 ? Math.max(1, vhEnd) : f.length;
      for (let k = 1 + int(4); k > 0; k--) {
        const i = int(span);
        if (i < f.length) f[i]! ^= 1 << int(8);
      }
      break;
    }
    case 1: // Truncate.
      f = f.slice(0, int(f.length + 1));
      break;
    case 2: {
      // Extend with zeros or random bytes.
      const extra = new Uint8Array(1 + int(rnd() < 0.9 ? 64 : 8192));
      if (rnd() < 0.5) for (let i = 0; i < extra.length; i++) extra[i] = int(256);
      const g = new Uint8Array(f.length + extra.length);
      g.set(f);
      g.set(extra, f.length);
      f = g;
      break;
    }
    case 3: // TLV length field.
      if (tlv !== undefined) setU32(f, tlv + 4, rnd() < 0.5 ? (u32(f, tlv + 4) + int(17) - 8) >>> 0 : value());
      break;
    case 4: // TLV type: another known type, an unknown one, or with the optional bit.
      if (tlv !== undefined) setU32(f, tlv, rnd() < 0.6 ? pick(KNOWN_TYPES) : rnd() < 0.5 ? (u32(f, tlv) | 0x8000_0000) >>> 0 : value());
      break;
    case 5: {
      // An aligned u32 inside a TLV payload (masks, file offsets, GPAs, indices, flags).
      if (tlv === undefined) break;
      const len = Math.min(u32(f, tlv + 4), f.length - tlv - 8);
      if (len >= 4) setU32(f, tlv + 8 + 4 * int(Math.floor(len / 4)), value());
      break;
    }
    case 6: // Fixed-header field.
      if (f.length >= FIXED_SIZE_V2) setU32(f, pick([FIXED.formatVersion, FIXED.variableHeaderOffset, FIXED.variableHeaderSize, FIXED.totalFileSize, FIXED.architecture, FIXED.pageSize]), value());
      break;
    case 7: {
      // Swap two TLVs of the same padded size (section order, duplicate rules).
      if (tlvs.length < 2) break;
      const a = pick(tlvs);
      const b = pick(tlvs);
      const n = align8(8 + u32(f, a + 4));
      if (n === align8(8 + u32(f, b + 4)) && a + n <= f.length && b + n <= f.length) {
        const t = f.slice(a, a + n);
        f.copyWithin(a, b, b + n);
        f.set(t, b);
      }
      break;
    }
    default: {
      // Duplicate a TLV at the end of the variable header (grows the header, shifts the data).
      if (tlv === undefined) break;
      const n = Math.min(align8(8 + u32(f, tlv + 4)), f.length - tlv, 4096);
      const g = new Uint8Array(f.length + n);
      g.set(f.subarray(0, vhEnd));
      g.set(f.subarray(tlv, tlv + n), vhEnd);
      g.set(f.subarray(vhEnd), vhEnd + n);
      if (g.length >= FIXED_SIZE_V1) setU32(g, FIXED.variableHeaderSize, u32(g, FIXED.variableHeaderSize) + n);
      f = g;
    }
  }
  if (rnd() < 0.5) reseal(f, rnd() < 0.8);
  return f;
}
