/**
 * Streaming IGVM writer (specs/igvm.md §2, §3.1, §6, §7.1) for images whose page data lives in
 * another input (an OVMF file, a 1 GiB payload): the same canonical layout as write.ts, but page
 * data may be a *reference* into a ByteSource instead of bytes. The layout (fixed + variable
 * header, CRC) is computed in memory — 32 bytes per header — and the file data is then produced
 * chunk by chunk, so memory does not grow with the image.
 *
 * - in-memory blobs are de-duplicated by content (as the reference serializer does);
 * - source references are laid out in order of first use; consecutive pages of the same source
 *   that follow each other there become one contiguous segment (a firmware volume is copied with
 *   big sequential reads).
 */
import { bytesEqual, setU32 } from '../../core/bytes.js';
import { usageError } from '../../core/errors.js';
import { STREAM_CHUNK, checkRange, type ByteSource } from '../../core/source.js';
import { crc32 } from './crc32.js';
import { encodePayload } from './encode.js';
import { writeFixedHeader } from './write.js';
import { align8, FIXED, FIXED_SIZE_V1, FIXED_SIZE_V2, HEADER_TYPES, PAGE_SIZE, TLV_HEADER_SIZE } from './defs.js';
import type { IgvmHeaderSpec, PageDataFields } from './types.js';

/** 4096 bytes of page data at `offset` in `source`. */
export interface IgvmSourcePage {
  source: ByteSource;
  offset: number;
}

/** PAGE_DATA whose data may be a page of another input. */
export type StreamPageDataSpec = PageDataFields & { data: Uint8Array | IgvmSourcePage | null };
export type StreamHeaderSpec = Exclude<IgvmHeaderSpec, { kind: 'PAGE_DATA' }> | StreamPageDataSpec;

export interface IgvmStreamModel {
  formatVersion: 1 | 2;
  architecture: 'x64' | 'aarch64';
  headers: StreamHeaderSpec[];
}

/** A piece of file data: bytes, or a range of a source. */
export type IgvmSegment = { bytes: Uint8Array } | { source: ByteSource; offset: number; length: number };

export interface IgvmLayout {
  /** Fixed header + variable header, CRC included. */
  head: Uint8Array;
  /** File data, in file order. */
  segments: IgvmSegment[];
  totalSize: number;
  /** File offset of each header's TLV (index = header position in the model). */
  tlvOffsets: number[];
}

function isSourcePage(d: unknown): d is IgvmSourcePage {
  return typeof d === 'object' && d !== null && 'source' in d;
}

function pad(data: Uint8Array, kind: string): Uint8Array {
  if (data.length > PAGE_SIZE) throw usageError('IGVM_WRITE_DATA', `${kind}: ${data.length} bytes of data, at most ${PAGE_SIZE}`, 'data');
  if (data.length === PAGE_SIZE) return data;
  const out = new Uint8Array(PAGE_SIZE);
  out.set(data);
  return out;
}

/** In-memory blob of a header that is not a source page (null = no data). */
function memoryBlob(h: StreamHeaderSpec, model: IgvmStreamModel): Uint8Array | null {
  switch (h.kind) {
    case 'PAGE_DATA':
      return h.data === null ? null : pad(h.data as Uint8Array, 'PAGE_DATA');
    case 'VP_CONTEXT': {
      const p = model.headers.find((x) => x.kind === 'SUPPORTED_PLATFORM' && x.compatibilityMask === h.compatibilityMask);
      return p?.kind === 'SUPPORTED_PLATFORM' && p.platformType === 'VSM_ISOLATION' ? h.data : pad(h.data, 'VP_CONTEXT');
    }
    case 'PARAMETER_AREA':
      if (h.initialData !== null && h.initialData.length !== h.size) {
        throw usageError('IGVM_WRITE_DATA', `PARAMETER_AREA ${h.parameterAreaIndex}: initial data is ${h.initialData.length} bytes, the area is ${h.size}`, 'initialData');
      }
      return h.initialData;
    case 'CORIM_DOCUMENT':
    case 'CORIM_SIGNATURE':
      return h.data;
    default:
      return null;
  }
}

/** Computes the layout: every header encoded with its final file offset, segments to stream. */
export function layoutIgvm(model: IgvmStreamModel): IgvmLayout {
  if (model.formatVersion === 1 && model.architecture !== 'x64') throw usageError('IGVM_WRITE_FIELD', 'a version 1 file is always X64', 'architecture');
  const fixedSize = model.formatVersion === 1 ? FIXED_SIZE_V1 : FIXED_SIZE_V2;
  const vhs = model.headers.reduce((n, h) => n + align8(TLV_HEADER_SIZE + HEADER_TYPES[h.kind].size), 0);
  const base = fixedSize + vhs;
  const segments: IgvmSegment[] = [];
  let size = 0;
  const byContent = new Map<string, { blob: Uint8Array; offset: number }[]>();
  const place = (blob: Uint8Array): number => {
    const key = `${blob.length}:${blob[0] ?? 0}:${blob[blob.length >> 1] ?? 0}:${blob[blob.length - 1] ?? 0}`;
    const bucket = byContent.get(key) ?? [];
    const hit = bucket.find((b) => bytesEqual(b.blob, blob));
    if (hit) return hit.offset;
    const offset = base + size;
    bucket.push({ blob, offset });
    byContent.set(key, bucket);
    segments.push({ bytes: blob });
    size += blob.length;
    return offset;
  };
  // A source page is placed once: (source, offset) → file offset.
  const bySource = new Map<ByteSource, Map<number, number>>();
  const placeSource = (p: IgvmSourcePage): number => {
    checkRange(p.source.name, p.source.size, p.offset, PAGE_SIZE);
    const seen = bySource.get(p.source) ?? new Map<number, number>();
    bySource.set(p.source, seen);
    const hit = seen.get(p.offset);
    if (hit !== undefined) return hit;
    const offset = base + size;
    const last = segments[segments.length - 1];
    if (last && 'source' in last && last.source === p.source && last.offset + last.length === p.offset) last.length += PAGE_SIZE;
    else segments.push({ source: p.source, offset: p.offset, length: PAGE_SIZE });
    seen.set(p.offset, offset);
    size += PAGE_SIZE;
    return offset;
  };

  const head = new Uint8Array(base);
  const dv = new DataView(head.buffer);
  const tlvOffsets: number[] = [];
  let pos = fixedSize;
  for (const h of model.headers) {
    let offset = 0;
    let length = 0;
    if (h.kind === 'PAGE_DATA' && isSourcePage(h.data)) {
      offset = placeSource(h.data);
      length = PAGE_SIZE;
    } else {
      const blob = memoryBlob(h, model);
      if (blob !== null) {
        offset = place(blob);
        length = blob.length;
      }
    }
    // encodePayload only reads the fields; the data is referenced by offset.
    const payload = encodePayload(h as IgvmHeaderSpec, offset, length);
    tlvOffsets.push(pos);
    dv.setUint32(pos, HEADER_TYPES[h.kind].type, true);
    dv.setUint32(pos + 4, payload.length, true);
    head.set(payload, pos + TLV_HEADER_SIZE);
    pos += align8(TLV_HEADER_SIZE + payload.length);
  }
  if (size === 0) throw usageError('IGVM_NO_FILE_DATA', 'an IGVM file needs at least one byte of file data (igvm.md §2.2)', 'headers');
  const total = base + size;
  if (total > 0xffff_ffff) throw usageError('IGVM_WRITE_FIELD', `file would be ${total} bytes; total_file_size is a u32`, 'total_file_size');
  writeFixedHeader(head, model, fixedSize, vhs, total);
  sealHead(head, fixedSize);
  return { head, segments, totalSize: total, tlvOffsets };
}

/** Recomputes the CRC of a head (fixed header + variable header) in place (§2.1). */
export function sealHead(head: Uint8Array, fixedSize: number): void {
  setU32(head, FIXED.checksum, 0);
  setU32(head, FIXED.checksum, crc32(head.subarray(0, fixedSize), head.subarray(fixedSize)));
}

/** Streams the file: the head, then every segment in chunks of at most 1 MiB. */
export async function writeIgvmLayout(layout: IgvmLayout, write: (chunk: Uint8Array) => Promise<void>): Promise<void> {
  await write(layout.head);
  for (const s of layout.segments) {
    if ('bytes' in s) {
      await write(s.bytes);
      continue;
    }
    for (let o = 0; o < s.length; o += STREAM_CHUNK) await write(await s.source.read(s.offset + o, Math.min(STREAM_CHUNK, s.length - o)));
  }
}

/** The laid-out file as a ByteSource (so it can be parsed and measured before it is written). */
export function layoutSource(name: string, layout: IgvmLayout): ByteSource {
  const starts: number[] = [];
  let at = layout.head.length;
  for (const s of layout.segments) {
    starts.push(at);
    at += 'bytes' in s ? s.bytes.length : s.length;
  }
  return {
    name,
    size: layout.totalSize,
    async read(offset, length) {
      checkRange(name, layout.totalSize, offset, length);
      const out = new Uint8Array(length);
      let o = offset;
      while (o < offset + length) {
        const end = offset + length;
        if (o < layout.head.length) {
          const n = Math.min(end, layout.head.length) - o;
          out.set(layout.head.subarray(o, o + n), o - offset);
          o += n;
          continue;
        }
        // Binary search for the segment holding o.
        let lo = 0;
        let hi = starts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (starts[mid]! <= o) lo = mid;
          else hi = mid - 1;
        }
        const s = layout.segments[lo]!;
        const within = o - starts[lo]!;
        const segLen = 'bytes' in s ? s.bytes.length : s.length;
        const n = Math.min(end - o, segLen - within);
        const part = 'bytes' in s ? s.bytes.subarray(within, within + n) : await s.source.read(s.offset + within, n);
        out.set(part, o - offset);
        o += n;
      }
      return out;
    },
  };
}

/** The whole file in memory (small files, the browser). */
export async function igvmLayoutBytes(layout: IgvmLayout): Promise<Uint8Array> {
  const out = new Uint8Array(layout.totalSize);
  let at = 0;
  await writeIgvmLayout(layout, (c) => {
    out.set(c, at);
    at += c.length;
    return Promise.resolve();
  });
  return out;
}
