/**
 * CRC-32 in the IEEE/zlib form used by the IGVM checksum (specs/igvm.md §2.1): reflected
 * polynomial 0xEDB88320, initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF. Incremental, so the
 * fixed header and the variable header can be fed separately.
 */

/** Reflected IEEE 802.3 polynomial (igvm.md §2.1). */
const POLY = 0xedb88320;

const TABLE = /* @__PURE__ */ (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export class Crc32 {
  private c = 0xffffffff;
  update(data: Uint8Array): this {
    let c = this.c;
    for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    this.c = c;
    return this;
  }
  digest(): number {
    return (this.c ^ 0xffffffff) >>> 0;
  }
}

export function crc32(...parts: Uint8Array[]): number {
  const h = new Crc32();
  for (const p of parts) h.update(p);
  return h.digest();
}
