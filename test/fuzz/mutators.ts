/**
 * Format-agnostic and lightly structure-aware mutations shared by the fuzz targets
 * (docs/fuzzing.md). Deterministic from the PRNG; inputs are never modified in place.
 */
export type Rnd = () => number;

export const int = (rnd: Rnd, n: number): number => Math.floor(rnd() * n);
export const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[int(rnd, xs.length)]!;

/** Values that tend to sit on boundaries: zero, one, alignment edges, sign bits, all ones. */
export const INTERESTING_U32 = [0, 1, 2, 7, 8, 0x10, 0x30, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x1001, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff];
const INTERESTING_U8 = [0, 1, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0xff];

function setU32le(b: Uint8Array, at: number, v: number): void {
  for (let i = 0; i < 4 && at + i < b.length; i++) b[at + i] = (v >>> (8 * i)) & 0xff;
}

/** One byte-level mutation; `others` are splice partners (seeds). */
export function mutateBytes(src: Uint8Array, rnd: Rnd, others: readonly Uint8Array[] = [], maxLen = 1 << 20): Uint8Array {
  let b = src.slice();
  const n = b.length;
  const at = () => int(rnd, Math.max(1, n));
  switch (int(rnd, 11)) {
    case 0: // bit flip
      if (n) b[at()]! ^= 1 << int(rnd, 8);
      break;
    case 1: // random byte
      if (n) b[at()] = int(rnd, 256);
      break;
    case 2: // boundary byte
      if (n) b[at()] = pick(rnd, INTERESTING_U8);
      break;
    case 3: // boundary u32 (little-endian, aligned half the time)
      if (n) setU32le(b, rnd() < 0.5 ? at() & ~3 : at(), pick(rnd, INTERESTING_U32));
      break;
    case 4: // truncate
      b = b.slice(0, int(rnd, n + 1));
      break;
    case 5: { // delete a range
      const s = at();
      b = concat(b.subarray(0, s), b.subarray(Math.min(n, s + 1 + int(rnd, 64))));
      break;
    }
    case 6: { // insert random or repeated bytes
      const s = at();
      const ins = new Uint8Array(1 + int(rnd, rnd() < 0.9 ? 16 : 4096)).fill(rnd() < 0.5 ? 0 : int(rnd, 256));
      b = concat(b.subarray(0, s), ins, b.subarray(s));
      break;
    }
    case 7: { // duplicate a range
      const s = at();
      const e = Math.min(n, s + 1 + int(rnd, 256));
      b = concat(b.subarray(0, e), b.subarray(s, e), b.subarray(e));
      break;
    }
    case 8: { // overwrite with a range of a splice partner
      const o = others.length ? pick(rnd, others) : src;
      if (o.length && n) {
        const s = int(rnd, o.length);
        const to = at();
        b.set(o.subarray(s, s + Math.min(1 + int(rnd, 128), n - to)), to);
      }
      break;
    }
    case 9: { // several random bytes
      for (let k = 1 + int(rnd, 8); k > 0 && n; k--) b[at()] = int(rnd, 256);
      break;
    }
    default: { // copy a range inside the input
      if (n > 2) {
        const s = at();
        const len = 1 + int(rnd, 32);
        b.copyWithin(at(), s, Math.min(n, s + len));
      }
    }
  }
  return b.length > maxLen ? b.slice(0, maxLen) : b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const TEXT_TOKENS = ['0', '-1', '0x', '0xffffffffffffffff', '1e309', 'NaN', 'null', 'true', '[]', '{}', '"', '\\', '\\u0000', '\n', '\r\n', ' ', '-----', '=', '==', '\u{1F600}', '\uD800', '9'.repeat(40)];

/** One character-level mutation of a text input. */
export function mutateText(src: string, rnd: Rnd, others: readonly string[] = [], maxLen = 1 << 18): string {
  const n = src.length;
  const at = () => int(rnd, n + 1);
  let s: string;
  switch (int(rnd, 7)) {
    case 0: { // replace one character
      const i = at();
      s = src.slice(0, i) + String.fromCharCode(rnd() < 0.8 ? 32 + int(rnd, 95) : int(rnd, 0x10000)) + src.slice(i + 1);
      break;
    }
    case 1: { // delete a range
      const i = at();
      s = src.slice(0, i) + src.slice(i + 1 + int(rnd, 32));
      break;
    }
    case 2: { // insert a token
      const i = at();
      s = src.slice(0, i) + pick(rnd, TEXT_TOKENS) + src.slice(i);
      break;
    }
    case 3: { // duplicate a range
      const i = at();
      const e = Math.min(n, i + 1 + int(rnd, 200));
      s = src.slice(0, e) + src.slice(i, e) + src.slice(e);
      break;
    }
    case 4: // truncate
      s = src.slice(0, at());
      break;
    case 5: { // splice from another input
      const o = others.length ? pick(rnd, others) : src;
      const i = at();
      const j = int(rnd, o.length + 1);
      s = src.slice(0, i) + o.slice(j, j + 1 + int(rnd, 200)) + src.slice(i + int(rnd, 200));
      break;
    }
    default: { // swap a digit for another
      const i = at();
      s = /[0-9a-f]/i.test(src[i] ?? '') ? src.slice(0, i) + pick(rnd, '0123456789abcdefF'.split('')) + src.slice(i + 1) : src;
    }
  }
  return s.length > maxLen ? s.slice(0, maxLen) : s;
}
