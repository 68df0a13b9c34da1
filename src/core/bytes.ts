/**
 * Byte helpers that work the same in Node and browsers (no Buffer): hex, base64, little-endian
 * integer access and comparisons.
 */

const HEX = /* @__PURE__ */ Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}

/** Decodes hex (either case, even length). Returns undefined on any bad character or odd length. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    s += B64[n >>> 18]! + B64[(n >>> 12) & 63]! + B64[(n >>> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    s += B64[n >>> 18]! + B64[(n >>> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    s += B64[n >>> 18]! + B64[(n >>> 12) & 63]! + B64[(n >>> 6) & 63]! + '=';
  }
  return s;
}

/** Strict standard base64 (padding optional). Returns undefined on bad input. */
export function fromBase64(text: string): Uint8Array | undefined {
  const t = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(t) || t.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((t.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < t.length; i += 4) {
    const c = [0, 1, 2, 3].map((k) => (i + k < t.length ? B64.indexOf(t[i + k]!) : 0));
    const n = (c[0]! << 18) | (c[1]! << 12) | (c[2]! << 6) | c[3]!;
    if (o < out.length) out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function u16(bytes: Uint8Array, off: number): number {
  return view(bytes).getUint16(off, true);
}
export function u32(bytes: Uint8Array, off: number): number {
  return view(bytes).getUint32(off, true);
}
export function u64(bytes: Uint8Array, off: number): bigint {
  return view(bytes).getBigUint64(off, true);
}
/** A u64 that must fit in a JS number (GPAs, sizes); undefined when it does not. */
export function u64n(bytes: Uint8Array, off: number): number | undefined {
  const v = u64(bytes, off);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

export function setU16(bytes: Uint8Array, off: number, v: number): void {
  view(bytes).setUint16(off, v, true);
}
export function setU32(bytes: Uint8Array, off: number, v: number): void {
  view(bytes).setUint32(off, v >>> 0, true);
}
export function setU64(bytes: Uint8Array, off: number, v: bigint | number): void {
  view(bytes).setBigUint64(off, BigInt.asUintN(64, BigInt(v)), true);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function isAllZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

export function hex64(v: bigint | number, width = 0): string {
  return '0x' + BigInt(v).toString(16).padStart(width, '0');
}

/** EFI mixed-endian GUID bytes (as stored in images) → canonical lower-case string. */
export function guidToString(b: Uint8Array): string {
  const h = toHex(b);
  const sw = (s: string) => s.match(/../g)!.reverse().join('');
  return `${sw(h.slice(0, 8))}-${sw(h.slice(8, 12))}-${sw(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Canonical GUID string → EFI mixed-endian 16 bytes. */
export function guidFromString(s: string): Uint8Array {
  const h = s.replace(/-/g, '');
  const sw = (x: string) => x.match(/../g)!.reverse().join('');
  return fromHex(sw(h.slice(0, 8)) + sw(h.slice(8, 12)) + sw(h.slice(12, 16)) + h.slice(16))!;
}
