/**
 * Test helpers written independently of src/images/igvm: a bitwise CRC-32 (IEEE, reflected
 * 0xEDB88320, specs/igvm.md §2.1), a little-endian struct packer and a hand assembler for IGVM
 * files (fixed header + TLVs + file data), so the parser and writer are checked against bytes laid
 * out from the spec tables rather than against themselves.
 */
import assert from 'node:assert/strict';
import { SnpLaunchError } from '../../src/core/errors.js';
import { bytesSource } from '../../src/core/source.js';
import { parseIgvm } from '../../src/images/igvm/parse.js';

/** Bit-at-a-time CRC-32 (no table), as in the spec's description. */
export function crc32Bitwise(...parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts) {
    for (const b of p) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    }
  }
  return (c ^ 0xffffffff) >>> 0;
}

export type Field = [1 | 2 | 4 | 8, number | bigint] | Uint8Array;

/** Packs little-endian fields in order. */
export function pack(...fields: Field[]): Uint8Array {
  const size = fields.reduce((n, f) => n + (f instanceof Uint8Array ? f.length : f[0]), 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const f of fields) {
    if (f instanceof Uint8Array) {
      out.set(f, o);
      o += f.length;
      continue;
    }
    const [n, v] = f;
    if (n === 1) dv.setUint8(o, Number(v));
    else if (n === 2) dv.setUint16(o, Number(v), true);
    else if (n === 4) dv.setUint32(o, Number(v), true);
    else dv.setBigUint64(o, BigInt(v), true);
    o += n;
  }
  return out;
}

/** A TLV: {u32 type, u32 length} + payload, padded to 8 with `pad`. */
export function tlv(type: number, payload: Uint8Array, pad = 0): Uint8Array {
  const n = 8 + payload.length;
  const out = new Uint8Array(Math.ceil(n / 8) * 8).fill(pad);
  out.set(pack([4, type], [4, payload.length]));
  out.set(payload, 8);
  return out;
}

export interface Assembly {
  version?: 1 | 2;
  arch?: number;
  tlvs: Uint8Array[];
  data: Uint8Array[];
}

/** Fixed header size for a version. */
export const fixedSize = (v: 1 | 2) => (v === 1 ? 24 : 32);

/** Where file data starts for these TLVs (vho = fixed-header size). */
export function dataStart(a: { version?: 1 | 2; tlvs: Uint8Array[] }): number {
  return fixedSize(a.version ?? 1) + a.tlvs.reduce((n, t) => n + t.length, 0);
}

/** Assembles a file: fixed header at 0, variable header right after, then data, CRC sealed. */
export function assemble(a: Assembly): Uint8Array {
  const v = a.version ?? 1;
  const fs = fixedSize(v);
  const vhs = a.tlvs.reduce((n, t) => n + t.length, 0);
  const dataLen = a.data.reduce((n, d) => n + d.length, 0);
  const total = fs + vhs + dataLen;
  const head = v === 1 ? pack([4, 0x4d564749], [4, 1], [4, fs], [4, vhs], [4, total], [4, 0]) : pack([4, 0x4d564749], [4, 2], [4, fs], [4, vhs], [4, total], [4, 0], [4, a.arch ?? 0], [4, 4096]);
  const out = new Uint8Array(total);
  out.set(head);
  let o = fs;
  for (const t of [...a.tlvs, ...a.data]) {
    out.set(t, o);
    o += t.length;
  }
  seal(out);
  return out;
}

const dv = (f: Uint8Array) => new DataView(f.buffer, f.byteOffset, f.byteLength);
export const rd32 = (f: Uint8Array, o: number) => dv(f).getUint32(o, true);
export const wr32 = (f: Uint8Array, o: number, v: number) => dv(f).setUint32(o, v >>> 0, true);
export const wr64 = (f: Uint8Array, o: number, v: bigint) => dv(f).setBigUint64(o, v, true);

/** Recomputes the checksum in place (fixed header with checksum zeroed, then the variable header). */
export function seal(f: Uint8Array): Uint8Array {
  const fs = rd32(f, 4) === 2 ? 32 : 24;
  const vho = rd32(f, 8);
  const vhs = rd32(f, 12);
  const head = f.slice(0, fs);
  head.fill(0, 0x14, 0x18);
  wr32(f, 0x14, crc32Bitwise(head, f.subarray(vho, vho + vhs)));
  return f;
}

/** Offsets of the TLVs of a well-formed file. */
export function tlvOffsets(f: Uint8Array): number[] {
  const vho = rd32(f, 8);
  const end = vho + rd32(f, 12);
  const out: number[] = [];
  for (let p = vho; p < end; p = p + Math.ceil((8 + rd32(f, p + 4)) / 8) * 8) out.push(p);
  return out;
}

export function page(fill: number): Uint8Array {
  return new Uint8Array(4096).fill(fill);
}

/** Deterministic pseudo-random bytes (for ID blocks, VBS blobs). */
export function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Parses `f` and expects an SnpLaunchError with this code, header index and byte offset. */
export async function rejects(f: Uint8Array, code: string, where: { index?: number; offset?: number; field?: string; reason?: RegExp }): Promise<SnpLaunchError> {
  try {
    await parseIgvm(bytesSource('t.igvm', f));
  } catch (e) {
    assert.ok(e instanceof SnpLaunchError, `expected SnpLaunchError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.location.file, 't.igvm');
    if ('index' in where) assert.equal(e.location.index, where.index, `index: ${e.message}`);
    if ('offset' in where) assert.equal(e.location.offset, where.offset, `offset: ${e.message}`);
    if (where.field !== undefined) assert.equal(e.location.field, where.field, e.message);
    if (where.reason) assert.match(e.reason, where.reason);
    return e;
  }
  assert.fail(`expected ${code}, but the file parsed`);
}
