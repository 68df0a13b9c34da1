/**
 * IGVM writer (specs/igvm.md §2, §3.1, §6, §7.1). Produces the canonical layout:
 *
 * - the fixed header (24 bytes for V1, 32 for V2), then the variable header right after it
 *   (variable_header_offset = fixed-header size);
 * - the TLVs in model order, each zero-padded to a multiple of 8; variable_header_size covers
 *   every TLV including the padding after the last one;
 * - file data right after the variable header, blobs in order of first reference, contiguous and
 *   de-duplicated (identical blobs share one offset, as the reference serializer does); page data
 *   and VP contexts (except VBS register lists) zero-padded to 4096 bytes;
 * - the CRC-32 over the fixed header (checksum zeroed) and the variable header.
 *
 * The writer checks only that the model can be encoded; the semantic rules are parseIgvm's job, so
 * tests can also write files that the parser must reject.
 */
import { bytesEqual, setU32 } from '../../core/bytes.js';
import { usageError } from '../../core/errors.js';
import { crc32 } from './crc32.js';
import { encodePayload } from './encode.js';
import { align8, ARCH_AARCH64, ARCH_X64, FIXED, FIXED_SIZE_V1, FIXED_SIZE_V2, HEADER_TYPES, IGVM_MAGIC, PAGE_SIZE, TLV_HEADER_SIZE } from './defs.js';
import type { IgvmHeaderSpec, IgvmModel } from './types.js';

/** The data a header stores in the file-data section, as it will be written (padded), or null. */
function blobOf(h: IgvmHeaderSpec, model: IgvmModel): Uint8Array | null {
  switch (h.kind) {
    case 'PAGE_DATA':
      return h.data === null ? null : padPage(h.data, 'PAGE_DATA');
    case 'VP_CONTEXT': {
      const platform = model.headers.find((p) => p.kind === 'SUPPORTED_PLATFORM' && p.compatibilityMask === h.compatibilityMask);
      // VBS register lists are variable-length (§4.11); every other format is one page.
      if (platform?.kind === 'SUPPORTED_PLATFORM' && platform.platformType === 'VSM_ISOLATION') return h.data;
      return padPage(h.data, 'VP_CONTEXT');
    }
    case 'PARAMETER_AREA':
      if (h.initialData === null) return null;
      if (h.initialData.length !== h.size) {
        throw usageError('IGVM_WRITE_DATA', `PARAMETER_AREA ${h.parameterAreaIndex}: initial data is ${h.initialData.length} bytes, the area is ${h.size}`, 'initialData');
      }
      return h.initialData;
    case 'CORIM_DOCUMENT':
    case 'CORIM_SIGNATURE':
      if (h.data !== null && h.data.length === 0) throw usageError('IGVM_WRITE_DATA', `${h.kind}: empty data (use null for no data)`, 'data');
      return h.data;
    default:
      return null;
  }
}

function padPage(data: Uint8Array, kind: string): Uint8Array {
  if (data.length > PAGE_SIZE) throw usageError('IGVM_WRITE_DATA', `${kind}: ${data.length} bytes of data, at most ${PAGE_SIZE}`, 'data');
  if (data.length === PAGE_SIZE) return data;
  const out = new Uint8Array(PAGE_SIZE);
  out.set(data);
  return out;
}

/**
 * A 32-bit content hash for de-duplication (not a checksum: collisions only cost a byte compare).
 * Word-at-a-time multiply-xor, several times faster than CRC-32 on page-sized blobs.
 */
function blobHash(b: Uint8Array): number {
  let h = 0x811c9dc5 ^ b.length;
  const words = b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2) : undefined;
  let i = 0;
  if (words) {
    for (let w = 0; w < words.length; w++) h = Math.imul(h ^ words[w]!, 0x01000193) ^ (h >>> 15);
    i = words.length * 4;
  }
  for (; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

/** Places blobs once each (by content) and returns their absolute offsets. */
class DataLayout {
  readonly blobs: Uint8Array[] = [];
  private size = 0;
  private readonly byKey = new Map<string, { blob: Uint8Array; offset: number }[]>();
  constructor(private readonly base: number) {}

  place(blob: Uint8Array): number {
    const key = `${blob.length}:${blobHash(blob)}`;
    const bucket = this.byKey.get(key) ?? [];
    const hit = bucket.find((b) => bytesEqual(b.blob, blob));
    if (hit) return hit.offset;
    const offset = this.base + this.size;
    bucket.push({ blob, offset });
    this.byKey.set(key, bucket);
    this.blobs.push(blob);
    this.size += blob.length;
    return offset;
  }
  get length(): number {
    return this.size;
  }
}

/** Serialises a model into canonical IGVM bytes. */
export function writeIgvm(model: IgvmModel): Uint8Array {
  if (model.formatVersion !== 1 && model.formatVersion !== 2) throw usageError('IGVM_WRITE_FIELD', `format_version ${String(model.formatVersion)} must be 1 or 2`, 'formatVersion');
  if (model.formatVersion === 1 && model.architecture !== 'x64') throw usageError('IGVM_WRITE_FIELD', 'a version 1 file is always X64 (use formatVersion 2 for AArch64)', 'architecture');
  const fixedSize = model.formatVersion === 1 ? FIXED_SIZE_V1 : FIXED_SIZE_V2;
  const vhs = model.headers.reduce((n, h) => n + align8(TLV_HEADER_SIZE + HEADER_TYPES[h.kind].size), 0);
  const layout = new DataLayout(fixedSize + vhs);
  const tlvs = model.headers.map((h) => {
    const blob = blobOf(h, model);
    const offset = blob === null ? 0 : layout.place(blob);
    return { type: HEADER_TYPES[h.kind].type, payload: encodePayload(h, offset, blob?.length ?? 0) };
  });
  if (layout.length === 0) {
    throw usageError('IGVM_NO_FILE_DATA', 'an IGVM file needs at least one byte of file data (igvm.md §2.2); add a page or VP context with data', 'headers');
  }
  const total = fixedSize + vhs + layout.length;
  if (total > 0xffff_ffff) throw usageError('IGVM_WRITE_FIELD', `file would be ${total} bytes; total_file_size is a u32`, 'total_file_size');

  const out = new Uint8Array(total);
  writeFixedHeader(out, model, fixedSize, vhs, total);
  const dv = new DataView(out.buffer);
  let pos = fixedSize;
  for (const t of tlvs) {
    dv.setUint32(pos, t.type, true);
    dv.setUint32(pos + 4, t.payload.length, true);
    out.set(t.payload, pos + TLV_HEADER_SIZE);
    pos += align8(TLV_HEADER_SIZE + t.payload.length);
  }
  for (const b of layout.blobs) {
    out.set(b, pos);
    pos += b.length;
  }
  // Checksum field is still 0 here, which is exactly what the CRC covers (§2.1).
  setU32(out, FIXED.checksum, crc32(out.subarray(0, fixedSize), out.subarray(fixedSize, fixedSize + vhs)));
  return out;
}

/** The fixed header's fields (checksum aside) into `out`: shared by the in-memory and the streaming writer. */
export function writeFixedHeader(out: Uint8Array, model: Pick<IgvmModel, 'formatVersion' | 'architecture'>, fixedSize: number, vhs: number, total: number): void {
  setU32(out, FIXED.magic, IGVM_MAGIC);
  setU32(out, FIXED.formatVersion, model.formatVersion);
  setU32(out, FIXED.variableHeaderOffset, fixedSize);
  setU32(out, FIXED.variableHeaderSize, vhs);
  setU32(out, FIXED.totalFileSize, total);
  if (model.formatVersion === 2) {
    setU32(out, FIXED.architecture, model.architecture === 'x64' ? ARCH_X64 : ARCH_AARCH64);
    setU32(out, FIXED.pageSize, PAGE_SIZE);
  }
}
