/**
 * An independent IGVM writer for the conformance suite, written from specs/igvm.md only (it does
 * not import src/images/igvm, so a misreading of the format there cannot hide here).
 *
 * A file is described as a list of headers (the same list _rules.ts computes digests from); encode()
 * lays out the fixed header (v1 24 bytes / v2 32 bytes, igvm.md §2), the 8-aligned TLVs (§3.1), then
 * the file data, and sets the CRC of §2.1. File offsets are absolute (§6).
 */
import { createHash } from 'node:crypto';

export const PAGE = 4096;

/** Header type values (igvm.md §3.3). */
export const HT = {
  SUPPORTED_PLATFORM: 0x001,
  GUEST_POLICY: 0x101,
  PARAMETER_AREA: 0x301,
  PAGE_DATA: 0x302,
  PARAMETER_INSERT: 0x303,
  VP_CONTEXT: 0x304,
  REQUIRED_MEMORY: 0x305,
  VP_COUNT_PARAMETER: 0x307,
  MMIO_RANGES: 0x30a,
  SNP_ID_BLOCK: 0x30b,
  MEMORY_MAP: 0x30c,
  COMMAND_LINE: 0x30e,
  ENVIRONMENT_INFO_PARAMETER: 0x313,
} as const;

/** SUPPORTED_PLATFORM platform_type (igvm.md §4.1). */
export const PT = { NATIVE: 0, VSM_ISOLATION: 1, SEV_SNP: 2 } as const;

/** PAGE_DATA flags and data types (igvm.md §4.8). */
export const FLAG_2MB = 1;
export const FLAG_UNMEASURED = 2;
export const FLAG_SHARED = 4;
export const DT = { NORMAL: 0, SECRETS: 1, CPUID_DATA: 2, CPUID_XF: 3 } as const;

export type Header =
  | { kind: 'platform'; mask: number; type: number; highestVtl?: number; version?: number; sharedGpaBoundary?: bigint }
  | { kind: 'policy'; policy: bigint; mask: number }
  | { kind: 'paramArea'; index: number; size: number; data?: Uint8Array }
  | { kind: 'pageData'; gpa: bigint; mask: number; flags?: number; dataType?: number; data?: Uint8Array; noPad?: boolean; reserved?: number }
  /** PAGE_DATA reusing the file data of an earlier header (the serializer de-duplicates, igvm.md §6). */
  | { kind: 'pageDataRef'; gpa: bigint; mask: number; ref: number }
  | { kind: 'paramInsert'; gpa: bigint; mask: number; index: number }
  | { kind: 'param'; type: number; index: number; byteOffset: number }
  | { kind: 'vp'; gpa: bigint; mask: number; vpIndex: number; vmsa: Uint8Array }
  | { kind: 'idBlock'; mask: number; ld: Uint8Array }
  | { kind: 'requiredMemory'; gpa: bigint; mask: number; size: number; flags?: number }
  | { kind: 'raw'; type: number; payload: Uint8Array };

export interface IgvmFile {
  version: 1 | 2;
  headers: Header[];
  /** Bytes between the fixed header and the variable header (not covered by the CRC, igvm.md §2.1). */
  gap?: number;
  /** V2 fixed-header fields (defaults X64 = 0 and 4096). */
  architecture?: number;
  pageSize?: number;
}

// ---- CRC-32 (IEEE reflected 0xEDB88320, init and final XOR 0xFFFFFFFF; igvm.md §2.1) ----
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(...parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts) for (const b of p) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Little-endian field writer over a fixed-size payload. */
class Fields {
  readonly b: Uint8Array;
  readonly v: DataView;
  constructor(size: number) {
    this.b = new Uint8Array(size);
    this.v = new DataView(this.b.buffer);
  }
  u8(o: number, x: number): this { this.v.setUint8(o, x); return this; }
  u16(o: number, x: number): this { this.v.setUint16(o, x, true); return this; }
  u32(o: number, x: number): this { this.v.setUint32(o, x >>> 0, true); return this; }
  u64(o: number, x: bigint): this { this.v.setBigUint64(o, BigInt.asUintN(64, x), true); return this; }
  bytes(o: number, x: Uint8Array): this { this.b.set(x, o); return this; }
}

/** Page data as the writer stores it: zero-padded to 4 KiB (igvm.md §6) unless noPad. */
function padPage(d: Uint8Array, noPad?: boolean): Uint8Array {
  if (noPad || d.length >= PAGE) return d;
  const p = new Uint8Array(PAGE);
  p.set(d);
  return p;
}

/**
 * Encodes the file. Each blob gets its own file offset (no de-duplication). Returns the bytes and
 * where each header's TLV starts (for error-message assertions).
 */
export interface Encoded {
  bytes: Uint8Array;
  /** Where each header's TLV starts. */
  tlvOffsets: number[];
  /** The file_offset each header got for its data blob (undefined: no data). */
  dataOffsets: (number | undefined)[];
}

export function encode(file: IgvmFile): Encoded {
  const fixedSize = file.version === 1 ? 24 : 32;
  // First pass: payload sizes, to know where file data starts.
  const refOffsets: (number | undefined)[] = [];
  const payloads: { type: number; make: (dataOff: (blob: Uint8Array) => number) => Uint8Array }[] = file.headers.map((h) => toTlv(h, refOffsets));
  let vhs = 0;
  const sizes: number[] = [];
  for (const p of payloads) {
    // Payload length is fixed per type; computed with a dummy offset allocator.
    const len = p.make(() => 0).length;
    sizes.push(len);
    vhs += 8 + align8(len);
  }
  const vho = fixedSize + (file.gap ?? 0);
  const dataStart = vho + vhs;
  const blobs: Uint8Array[] = [];
  let dataLen = 0;
  const alloc = (blob: Uint8Array): number => {
    const off = dataStart + dataLen;
    blobs.push(blob);
    dataLen += blob.length;
    return off;
  };
  const tlvs: Uint8Array[] = [];
  const tlvOffsets: number[] = [];
  const dataOffsets: (number | undefined)[] = [];
  let pos = vho;
  for (let i = 0; i < payloads.length; i++) {
    let got: number | undefined;
    const payload = payloads[i]!.make((b) => (got = alloc(b)));
    dataOffsets.push(got);
    refOffsets.push(got);
    const t = new Fields(8 + align8(payload.length)).u32(0, payloads[i]!.type).u32(4, payload.length).bytes(8, payload);
    tlvOffsets.push(pos);
    pos += t.b.length;
    tlvs.push(t.b);
  }
  // The strict vho + vhs < length rule (igvm.md §2.2) needs at least one byte of file data.
  if (dataLen === 0) alloc(new Uint8Array(8));
  const total = dataStart + dataLen;
  const out = new Uint8Array(total);
  const fx = new Fields(fixedSize).u32(0x00, 0x4d564749).u32(0x04, file.version).u32(0x08, vho).u32(0x0c, vhs).u32(0x10, total);
  if (file.version === 2) fx.u32(0x18, file.architecture ?? 0).u32(0x1c, file.pageSize ?? PAGE);
  out.set(fx.b, 0);
  out.fill(0xa5, fixedSize, vho); // a non-zero gap: the CRC must not cover it
  let p = vho;
  for (const t of tlvs) {
    out.set(t, p);
    p += t.length;
  }
  for (const b of blobs) {
    out.set(b, p);
    p += b.length;
  }
  // CRC over the fixed header (checksum 0) and the variable header only (§2.1).
  new DataView(out.buffer).setUint32(0x14, crc32(out.subarray(0, fixedSize), out.subarray(vho, vho + vhs)), true);
  return { bytes: out, tlvOffsets, dataOffsets };
}

/** Recomputes the checksum of a patched file in place (igvm.md §2.1), from its own fixed header. */
export function fixCrc(b: Uint8Array): Uint8Array {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const fixedSize = v.getUint32(0x04, true) === 1 ? 24 : 32;
  const vho = v.getUint32(0x08, true);
  const vhs = v.getUint32(0x0c, true);
  const fixed = b.slice(0, fixedSize);
  fixed.fill(0, 0x14, 0x18);
  v.setUint32(0x14, crc32(fixed, b.subarray(vho, vho + vhs)), true);
  return b;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

function toTlv(h: Header, refOffsets: (number | undefined)[]): { type: number; make: (alloc: (b: Uint8Array) => number) => Uint8Array } {
  switch (h.kind) {
    case 'platform':
      // igvm.md §4.1: mask u32 @0, highest_vtl u8 @4, platform_type u8 @5, version u16 @6, boundary u64 @8.
      return { type: HT.SUPPORTED_PLATFORM, make: () => new Fields(16).u32(0, h.mask).u8(4, h.highestVtl ?? 0).u8(5, h.type).u16(6, h.version ?? 1).u64(8, h.sharedGpaBoundary ?? 0n).b };
    case 'policy':
      // §4.2: policy u64 @0, mask u32 @8, reserved u32 @12.
      return { type: HT.GUEST_POLICY, make: () => new Fields(16).u64(0, h.policy).u32(8, h.mask).b };
    case 'paramArea':
      // §4.7: number_of_bytes u64 @0, index u32 @8, file_offset u32 @12 (0 = zero-filled).
      return { type: HT.PARAMETER_AREA, make: (alloc) => new Fields(16).u64(0, BigInt(h.size)).u32(8, h.index).u32(12, h.data ? alloc(h.data) : 0).b };
    case 'pageData':
      // §4.8: gpa u64 @0, mask u32 @8, file_offset u32 @12, flags u32 @16, data_type u16 @20, reserved @22.
      return {
        type: HT.PAGE_DATA,
        make: (alloc) => new Fields(24).u64(0, h.gpa).u32(8, h.mask).u32(12, h.data ? alloc(padPage(h.data, h.noPad)) : 0).u32(16, h.flags ?? 0).u16(20, h.dataType ?? 0).u16(22, h.reserved ?? 0).b,
      };
    case 'pageDataRef':
      return { type: HT.PAGE_DATA, make: () => new Fields(24).u64(0, h.gpa).u32(8, h.mask).u32(12, refOffsets[h.ref] ?? 0).b };
    case 'paramInsert':
      // §4.9: gpa u64 @0, mask u32 @8, parameter_area_index u32 @12.
      return { type: HT.PARAMETER_INSERT, make: () => new Fields(16).u64(0, h.gpa).u32(8, h.mask).u32(12, h.index).b };
    case 'param':
      // §4.10: parameter_area_index u32 @0, byte_offset u32 @4.
      return { type: h.type, make: () => new Fields(8).u32(0, h.index).u32(4, h.byteOffset).b };
    case 'vp':
      // §4.11: gpa u64 @0 (unaligned struct), mask u32 @8, file_offset u32 @12, vp_index u16 @16, reserved @18: 20 bytes.
      return { type: HT.VP_CONTEXT, make: (alloc) => new Fields(20).u64(0, h.gpa).u32(8, h.mask).u32(12, alloc(h.vmsa)).u16(16, h.vpIndex).b };
    case 'idBlock':
      return { type: HT.SNP_ID_BLOCK, make: () => idBlock(h.mask, h.ld) };
    case 'requiredMemory':
      // §4.12: gpa u64 @0, mask u32 @8, number_of_bytes u32 @12, flags u32 @16, reserved u32 @20.
      return { type: HT.REQUIRED_MEMORY, make: () => new Fields(24).u64(0, h.gpa).u32(8, h.mask).u32(12, h.size).u32(16, h.flags ?? 0).b };
    case 'raw':
      return { type: h.type, make: () => h.payload };
  }
}

/** SNP_ID_BLOCK (igvm.md §4.15, 696 bytes) with deterministic filler signature and key bytes. */
function idBlock(mask: number, ld: Uint8Array): Uint8Array {
  const f = new Fields(696).u32(0, mask).u8(4, 0).bytes(8, ld);
  f.bytes(56, new TextEncoder().encode('conformance-fam'));
  f.bytes(72, new TextEncoder().encode('conformance-img'));
  f.u32(88, 1).u32(92, 7).u32(96, 1).u32(100, 0);
  const filler = createHash('sha384').update('id-block filler').digest();
  f.bytes(104, filler).bytes(104 + 72, filler); // r, s (48 of 72 bytes used)
  f.u32(248, 2).bytes(256, filler).bytes(256 + 72, filler); // curve P-384, qx, qy
  return f.b;
}

// ---- VMSA pages (launch-digest.md §3) ----

export interface VmsaFields {
  vmpl?: number;
  sevFeatures?: bigint;
  rip?: bigint;
  rdx?: bigint;
  cr0?: bigint;
  /** A byte to make each VMSA distinct. */
  tag?: number;
}

/** A 4 KiB SNP VMSA with a BSP-like register state and the given overrides. */
export function makeVmsa(f: VmsaFields = {}): Uint8Array {
  const v = new Fields(PAGE);
  // CS (0x010): selector 0xF000, attrib 0x9B, limit 0xFFFF, base 0xFFFF0000.
  v.u16(0x10, 0xf000).u16(0x12, 0x9b).u32(0x14, 0xffff).u64(0x18, 0xffff0000n);
  for (const seg of [0x00, 0x20, 0x30, 0x40, 0x50]) v.u16(seg + 2, 0x93).u32(seg + 4, 0xffff);
  v.u8(0xca, f.vmpl ?? 0);
  v.u64(0xd0, 0x1000n); // EFER.SVME
  v.u64(0x158, f.cr0 ?? 0x31n);
  v.u64(0x170, 2n); // RFLAGS
  v.u64(0x178, f.rip ?? 0xfff0n);
  v.u64(0x268, 0x0007040600070406n); // G_PAT
  v.u64(0x310, f.rdx ?? 0n);
  v.u64(0x3b0, f.sevFeatures ?? 1n);
  v.u64(0x3e8, 1n); // XCR0
  v.u8(0x338, f.tag ?? 0); // RDI low byte: distinguishes VMSAs
  return v.b;
}

/** A page of bytes derived from a label (deterministic, not all zero). */
export function pattern(label: string, len = PAGE): Uint8Array {
  const out = new Uint8Array(len);
  let block = createHash('sha384').update(label).digest();
  for (let i = 0; i < len; i += block.length) {
    out.set(block.subarray(0, Math.min(block.length, len - i)), i);
    block = createHash('sha384').update(block).digest();
  }
  return out;
}
