/**
 * A DER well-formedness oracle for the x509 fuzz target, written independently of
 * src/attestation/der.ts so that a bounds check missing there shows up as an accepted certificate
 * the oracle rejects (docs/fuzzing.md, "planted bugs"). Browser-safe.
 */

/**
 * `b` is exactly one TLV with minimal definite lengths, and the contents of every constructed
 * TLV down to `maxDepth` are exactly a sequence of TLVs. Deeper values may be opaque to the parser
 * (a Name attribute of a non-string type is kept as hex, RFC 4514 style), so they are not checked.
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
        if (len < 0x80 || b[off + 2] === 0) return false; // X.690 §10.1: shortest form
        hdr += k;
      }
      if (off + hdr + len > end) return false;
      if (tag & 0x20 && depth < maxDepth && !walk(off + hdr, off + hdr + len, depth + 1)) return false;
      if (depth === 0 && off + hdr + len !== end) return false;
      off += hdr + len;
    }
    return off === end;
  };
  return b.length > 0 && walk(0, b.length, 0);
}
