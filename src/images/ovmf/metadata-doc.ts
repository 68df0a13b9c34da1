/**
 * The OVMF facts an SNP launch needs, without the firmware bytes (issue 18 item 4): the image size
 * (it fixes the firmware GPA, specs/ovmf.md §2), the AP reset EIP (§5.2), the kernel-hashes table
 * area (§5.2, §6), the SEV metadata sections in measurement order (§5.1) and the digest of the
 * firmware pages (the `snp:ovmf-hash` value, §8.2). Written by `snp-launch ovmf metadata F` as JSON
 * "snp-launch.ovmf-metadata/1" (docs/refvalues.md "Inputs by hash").
 *
 * `ovmfMetadataSource` turns such a document back into a ByteSource that parseOvmf reads like the
 * image itself: the footer table and metadata are rebuilt at the end of a virtual file of the
 * original size (src/images/ovmf/builder.ts writes them as §3–§5 lay out), and any read of the
 * firmware body fails with a sentence saying only the metadata is known. So every launch path
 * works unchanged, and none can hash firmware pages it does not have. Browser-safe.
 */
import { fromHex, toHex } from '../../core/bytes.js';
import { inputError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';
import { buildOvmfImageLayout } from './builder.js';
import { sectionTypeName, SectionType } from './metadata.js';
import { hashTableArea, resetEip, type OvmfImage } from './parse.js';

export const OVMF_METADATA_FORMAT = 'snp-launch.ovmf-metadata/1';
/** More descriptors than any real OVMF has (7 today); bounds the rebuilt tail. */
const MAX_SECTIONS = 1024;
const U32_MAX = 0xffffffff;

export interface OvmfMetadataDoc {
  /** The firmware file's name, as it was read. */
  file: string;
  /** Full image size in bytes (the firmware GPA is 4 GiB − size). */
  size: number;
  /** SHA-256 of the whole file (lowercase hex), for provenance. */
  sha256?: string;
  /** SHA-384 launch digest of the firmware pages from zero (= `measure --mode snp:ovmf-hash`); absent when the size is not page aligned. */
  snpOvmfHash?: Uint8Array;
  /** SEV_ES_RESET_BLOCK_GUID value (AP reset EIP); absent when the image has none. */
  resetEip?: number;
  /** SEV_HASH_TABLE_RV_GUID entry: kernel-hashes table GPA and area size. */
  hashTable?: { gpa: number; size?: number };
  /** SEV metadata sections in file order; undefined when the image has no metadata entry. */
  sections?: { gpa: number; size: number; type: number }[];
}

/** The facts of a parsed image (hashes are the caller's: they need the whole file). */
export function ovmfMetadataDoc(img: OvmfImage, hashes: { sha256?: string; snpOvmfHash?: Uint8Array } = {}): OvmfMetadataDoc {
  const doc: OvmfMetadataDoc = { file: img.name, size: img.size };
  if (hashes.sha256 !== undefined) doc.sha256 = hashes.sha256;
  if (hashes.snpOvmfHash !== undefined) doc.snpOvmfHash = hashes.snpOvmfHash;
  const eip = resetEip(img);
  if (eip !== undefined) doc.resetEip = eip;
  const ht = hashTableArea(img);
  if (ht) doc.hashTable = ht.size === undefined ? { gpa: ht.gpa } : { gpa: ht.gpa, size: ht.size };
  if (img.metadata) doc.sections = img.metadata.sections.map((s) => ({ gpa: s.gpa, size: s.size, type: s.type }));
  return doc;
}

const hx = (v: number): string => '0x' + v.toString(16);

/** The JSON document (keys in this order; derived keys are informational and ignored when read). */
export function ovmfMetadataToJson(doc: OvmfMetadataDoc, tool: string): unknown {
  const page = doc.sections?.find((s) => s.type === SectionType.SNP_KERNEL_HASHES);
  return {
    format: OVMF_METADATA_FORMAT,
    tool,
    file: doc.file,
    size: doc.size,
    ...(doc.sha256 !== undefined ? { sha256: doc.sha256 } : {}),
    gpa: doc.size <= 0x1_0000_0000 ? hx(0x1_0000_0000 - doc.size) : null,
    snpOvmfHash: doc.snpOvmfHash ? toHex(doc.snpOvmfHash) : null,
    resetEip: doc.resetEip !== undefined ? hx(doc.resetEip) : null,
    apEntry: doc.resetEip !== undefined ? { csBase: hx(doc.resetEip & 0xffff0000), rip: hx(doc.resetEip & 0xffff) } : null,
    kernelHashes: doc.hashTable
      ? { tableGpa: hx(doc.hashTable.gpa), ...(doc.hashTable.size !== undefined ? { tableSize: hx(doc.hashTable.size) } : {}), pageGpa: page ? hx(page.gpa) : null }
      : null,
    sections: doc.sections ? doc.sections.map((s) => ({ gpa: hx(s.gpa), size: hx(s.size), type: s.type, name: sectionTypeName(s.type) })) : null,
  };
}

/** Reads the JSON document (already parsed); strict, every error names the key. */
export function parseOvmfMetadataJson(value: unknown, file: string): OvmfMetadataDoc {
  const bad = (field: string, why: string) => inputError('BAD_OVMF_METADATA', why, { file, field });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('(document)', 'is not a JSON object');
  const o = value as Record<string, unknown>;
  if (o.format !== OVMF_METADATA_FORMAT) throw bad('format', `must be "${OVMF_METADATA_FORMAT}" (written by snp-launch ovmf metadata)`);
  const u32 = (v: unknown, field: string): number => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < 0 || n > U32_MAX) throw bad(field, 'must be a 32-bit unsigned integer (number or 0x-hex string)');
    return n;
  };
  const size = typeof o.size === 'number' ? o.size : NaN;
  if (!Number.isSafeInteger(size) || size <= 0 || size > 0x1_0000_0000) throw bad('size', 'must be the image size in bytes (1 .. 4 GiB)');
  const doc: OvmfMetadataDoc = { file: typeof o.file === 'string' ? o.file : file, size };
  if (typeof o.sha256 === 'string') doc.sha256 = o.sha256;
  if (o.snpOvmfHash !== undefined && o.snpOvmfHash !== null) {
    const h = typeof o.snpOvmfHash === 'string' ? fromHex(o.snpOvmfHash) : undefined;
    if (!h || h.length !== 48) throw bad('snpOvmfHash', 'must be 48 bytes of hex (96 digits) or null');
    doc.snpOvmfHash = h;
  }
  if (o.resetEip !== undefined && o.resetEip !== null) doc.resetEip = u32(o.resetEip, 'resetEip');
  if (o.kernelHashes !== undefined && o.kernelHashes !== null) {
    if (typeof o.kernelHashes !== 'object' || Array.isArray(o.kernelHashes)) throw bad('kernelHashes', 'must be an object or null');
    const k = o.kernelHashes as Record<string, unknown>;
    doc.hashTable = { gpa: u32(k.tableGpa, 'kernelHashes.tableGpa') };
    if (k.tableSize !== undefined) doc.hashTable.size = u32(k.tableSize, 'kernelHashes.tableSize');
  }
  if (o.sections !== undefined && o.sections !== null) {
    if (!Array.isArray(o.sections)) throw bad('sections', 'must be an array or null');
    if (o.sections.length > MAX_SECTIONS) throw bad('sections', `has ${o.sections.length} entries, more than ${MAX_SECTIONS}`);
    doc.sections = o.sections.map((s, i) => {
      if (typeof s !== 'object' || s === null) throw bad(`sections[${i}]`, 'is not an object');
      const r = s as Record<string, unknown>;
      return { gpa: u32(r.gpa, `sections[${i}].gpa`), size: u32(r.size, `sections[${i}].size`), type: u32(r.type, `sections[${i}].type`) };
    });
  }
  return doc;
}

/** A ByteSource holding only an OVMF image's metadata (see the module comment). */
export interface OvmfMetadataSource extends ByteSource {
  readonly ovmfMetadata: OvmfMetadataDoc;
}

export function isOvmfMetadataSource(s: ByteSource | undefined): s is OvmfMetadataSource {
  return s !== undefined && (s as Partial<OvmfMetadataSource>).ovmfMetadata !== undefined;
}

/** The image as parseOvmf sees it, rebuilt from `doc`; `name` (the metadata file) names it in errors. */
export function ovmfMetadataSource(doc: OvmfMetadataDoc, name: string): OvmfMetadataSource {
  const n = doc.size;
  const want = 256 + 12 * (doc.sections?.length ?? 0);
  const tailSize = Math.min(n, (want + 15) & ~15);
  let layout;
  try {
    layout = buildOvmfImageLayout({
      size: tailSize,
      resetEip: doc.resetEip ?? null,
      hashTable: doc.hashTable ? { gpa: doc.hashTable.gpa, size: doc.hashTable.size ?? 0 } : null,
      sections: doc.sections ?? null,
    });
  } catch {
    throw inputError('BAD_OVMF_METADATA', `an image of ${n} bytes cannot hold its footer table and ${doc.sections?.length ?? 0} metadata sections`, { file: name, field: 'size' });
  }
  const tail = layout.bytes;
  const base = n - tailSize;
  // Only the structures are known; the builder's filler in front of them is not the firmware.
  const known = base + (layout.metadataOffset >= 0 ? layout.metadataOffset : layout.tableOffset);
  return {
    name,
    size: n,
    ovmfMetadata: doc,
    read(offset, length) {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < known || length < 0 || offset + length > n) {
        return Promise.reject(
          inputError('OVMF_BYTES_ABSENT', `holds only the firmware's metadata, not its bytes at offset 0x${offset.toString(16)}: this needs the firmware file (or --snp-ovmf-hash for its pages)`, { file: name }),
        );
      }
      return Promise.resolve(tail.subarray(offset - base, offset - base + length));
    },
  };
}
