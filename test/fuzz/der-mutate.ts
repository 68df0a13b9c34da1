/**
 * Structure-aware DER mutations: find the TLVs of a certificate and change one tag, one length
 * (short/long form, indefinite, lengths claiming gigabytes), one value, or wrap/duplicate a TLV
 * (deep nesting, huge integers). Falls back to byte mutations on inputs with no TLV structure.
 */
import { type Rnd, concat, int, pick, mutateBytes } from './mutators.js';

interface Tlv {
  start: number;
  hdr: number;
  end: number;
}

/** All TLVs reachable from offset 0 (constructed tags are descended), capped at 4096. */
export function tlvs(b: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  const walk = (off: number, limit: number, depth: number) => {
    while (off + 2 <= limit && out.length < 4096 && depth < 32) {
      const tag = b[off]!;
      let len = b[off + 1]!;
      let hdr = 2;
      if (len & 0x80) {
        const k = len & 0x7f;
        if (k === 0 || k > 4 || off + 2 + k > limit) return;
        len = 0;
        for (let i = 0; i < k; i++) len = len * 256 + b[off + 2 + i]!;
        hdr += k;
      }
      const end = off + hdr + len;
      if (end > limit) return;
      out.push({ start: off, hdr, end });
      if (tag & 0x20) walk(off + hdr, end, depth + 1);
      else if (tag === 0x03 && len > 1 && b[off + hdr] === 0 && b[off + hdr + 1] === 0x30) walk(off + hdr + 1, end, depth + 1); // BIT STRING holding DER
      else if (tag === 0x04 && len > 1 && (b[off + hdr] === 0x30 || b[off + hdr] === 0x04)) walk(off + hdr, end, depth + 1);
      off = end;
    }
  };
  walk(0, b.length, 0);
  return out;
}

export function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** `inner` wrapped in `depth` SEQUENCEs, built in one pass (a loop of concats is quadratic). */
export function nest(inner: Uint8Array, depth: number): Uint8Array {
  const headers: Uint8Array[] = [];
  let len = inner.length;
  for (let d = 0; d < depth; d++) {
    const h = concat(Uint8Array.of(0x30), encodeLength(len));
    headers.push(h);
    len += h.length;
  }
  const out = new Uint8Array(len);
  let o = 0;
  for (let d = headers.length - 1; d >= 0; d--) {
    out.set(headers[d]!, o);
    o += headers[d]!.length;
  }
  out.set(inner, o);
  return out;
}

const ABSURD_LENGTHS = [Uint8Array.of(0x80), Uint8Array.of(0x84, 0xff, 0xff, 0xff, 0xff), Uint8Array.of(0x84, 0x7f, 0xff, 0xff, 0xff), Uint8Array.of(0x88, 0, 0, 0, 1, 0, 0, 0, 0), Uint8Array.of(0x81, 0x05), Uint8Array.of(0x82, 0x00, 0x05), Uint8Array.of(0xff), Uint8Array.of(0x8f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)];
const TAGS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1e, 0x30, 0x31, 0xa0, 0xa1, 0xa3, 0x80, 0x1f, 0x00, 0xff];

/**
 * One mutation of a DER (or DER-like) input. Three times in four, when the mutated TLV changed
 * size, the lengths of the TLVs around it are re-encoded so the change reaches the field parsers
 * instead of stopping at the outer SEQUENCE.
 */
export function mutateDer(src: Uint8Array, rnd: Rnd, others: readonly Uint8Array[]): Uint8Array {
  const ts = tlvs(src);
  if (ts.length === 0 || rnd() < 0.25) return mutateBytes(src, rnd, others);
  const t = pick(rnd, ts);
  const out = mutateTlv(src, t, rnd);
  const delta = out.length - src.length;
  if (delta === 0 || rnd() < 0.25) return out;
  return fixParents(out, ts.filter((a) => a.start < t.start && a.end >= t.end).sort((x, y) => y.start - x.start), delta);
}

/** Re-encodes the length of each enclosing TLV (innermost first; their headers precede the edit). */
function fixParents(b: Uint8Array, parents: Tlv[], delta: number): Uint8Array {
  let out = b;
  for (const a of parents) {
    const len = a.end - a.start - a.hdr + delta;
    if (len < 0) return out;
    const hdr = concat(out.subarray(a.start, a.start + 1), encodeLength(len));
    out = concat(out.subarray(0, a.start), hdr, out.subarray(a.start + a.hdr));
    delta += hdr.length - a.hdr;
  }
  return out;
}

function mutateTlv(src: Uint8Array, t: Tlv, rnd: Rnd): Uint8Array {
  const before = src.subarray(0, t.start);
  const after = src.subarray(t.end);
  const value = src.subarray(t.start + t.hdr, t.end);
  const tag = src.subarray(t.start, t.start + 1);
  switch (int(rnd, 8)) {
    case 0: // another tag
      return concat(before, Uint8Array.of(pick(rnd, TAGS)), src.subarray(t.start + 1));
    case 1: // absurd or wrong length, value kept
      return concat(before, tag, pick(rnd, ABSURD_LENGTHS), value, after);
    case 2: // non-minimal length encoding of the right length
      return concat(before, tag, Uint8Array.of(0x84, (value.length >>> 24) & 0xff, (value.length >>> 16) & 0xff, (value.length >>> 8) & 0xff, value.length & 0xff), value, after);
    case 3: { // length off by a little (the value is cut or overlaps the next TLV)
      const d = pick(rnd, [-2, -1, 1, 2, 127, 128]);
      return concat(before, tag, encodeLength(Math.max(0, value.length + d)), value, after);
    }
    case 4: { // wrap in SEQUENCEs, sometimes thousands deep
      return concat(before, nest(src.subarray(t.start, t.end), rnd() < 0.05 ? 1000 + int(rnd, 8000) : 1 + int(rnd, 4)), after);
    }
    case 5: { // huge INTEGER or a value of a different size
      const big = new Uint8Array(pick(rnd, [0, 1, 49, 97, 513, 4097, 70000])).fill(pick(rnd, [0, 0x80, 0xff, 0x7f]));
      return concat(before, Uint8Array.of(rnd() < 0.7 ? 0x02 : src[t.start]!), encodeLength(big.length), big, after);
    }
    case 6: // duplicate the TLV
      return concat(src.subarray(0, t.end), src.subarray(t.start, t.end), after);
    default: // delete the TLV
      return concat(before, after);
  }
}

/**
 * An oracle independent of src/attestation/der.ts: `b` is exactly one DER TLV with minimal
 * definite lengths, and the contents of every constructed TLV down to `maxDepth` are exactly a
 * sequence of TLVs. Deeper values may be opaque to the parser (a Name attribute of a non-string
 * type is kept as hex, RFC 4514 style), so they are not required to be well-formed.
 */
export function wellFormedDer(b: Uint8Array, maxDepth = 4): boolean {
  const walk = (off: number, end: number, depth: number): boolean => {
    while (off < end) {
      if (off + 2 > end) return false;
      const tag = b[off]!;
      let len = b[off + 1]!;
      let hdr = 2;
      if (len & 0x80) {
        const k = len & 0x7f;
        if (k === 0 || k > 4 || off + 2 + k > end) return false;
        len = 0;
        for (let i = 0; i < k; i++) len = len * 256 + b[off + 2 + i]!;
        if (len < 0x80 || b[off + 2] === 0) return false;
        hdr += k;
      }
      if (off + hdr + len > end) return false;
      if (tag & 0x20 && depth < maxDepth && !walk(off + hdr, off + hdr + len, depth + 1)) return false;
      off += hdr + len;
    }
    return off === end;
  };
  return b.length > 0 && walk(0, b.length, 0) && tlvs(b)[0]?.end === b.length;
}
