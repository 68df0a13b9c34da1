/**
 * CRC-32 in the IEEE/zlib form used by the IGVM checksum (specs/igvm.md §2.1): reflected
 * polynomial 0xEDB88320, initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF. Incremental, so the
 * fixed header and the variable header can be fed separately.
 */

import { hashProvider } from '../../core/hash.js';

/** Reflected IEEE 802.3 polynomial (igvm.md §2.1). */
const POLY = 0xedb88320;

/**
 * Slicing-by-8 tables (8 × 256 entries): eight bytes per step instead of one. The variable header
 * of a large IGVM file is megabytes (32 bytes per PAGE_DATA header), checked on every parse.
 */
const TABLES = /* @__PURE__ */ (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) for (let s = 1; s < 8; s++) t[s * 256 + n] = (t[(s - 1) * 256 + n]! >>> 8) ^ t[t[(s - 1) * 256 + n]! & 0xff]!;
  return t;
})();

/** The table-driven CRC-32, for providers without a native one (browsers). */
class JsCrc32 {
  private c = 0xffffffff;
  update(data: Uint8Array): this {
    const t = TABLES;
    let c = this.c;
    let i = 0;
    const n8 = data.length - (data.length % 8);
    for (; i < n8; i += 8) {
      const lo = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
      const hi = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
      c =
        t[1792 + (lo & 0xff)]! ^ t[1536 + ((lo >>> 8) & 0xff)]! ^ t[1280 + ((lo >>> 16) & 0xff)]! ^ t[1024 + (lo >>> 24)]! ^
        t[768 + (hi & 0xff)]! ^ t[512 + ((hi >>> 8) & 0xff)]! ^ t[256 + ((hi >>> 16) & 0xff)]! ^ t[(hi >>> 24) & 0xff]!;
    }
    for (; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    this.c = c;
    return this;
  }
  digest(): number {
    return (this.c ^ 0xffffffff) >>> 0;
  }
}

/** Incremental CRC-32: the hash provider's native one when it has one (Node's zlib), else JS. */
export class Crc32 {
  private readonly native = hashProvider().crc32;
  private value = 0;
  private readonly js = this.native ? undefined : new JsCrc32();
  update(data: Uint8Array): this {
    if (this.native) this.value = this.native(data, this.value);
    else this.js!.update(data);
    return this;
  }
  digest(): number {
    return this.native ? this.value >>> 0 : this.js!.digest();
  }
}

export function crc32(...parts: Uint8Array[]): number {
  const h = new Crc32();
  for (const p of parts) h.update(p);
  return h.digest();
}
