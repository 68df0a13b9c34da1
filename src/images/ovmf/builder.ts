/**
 * Writes small synthetic OVMF-like firmware images: a filler pattern, an SEV metadata block, a
 * GUIDed footer table (reset block, hash-table area, metadata pointer, optional SVSM info and
 * secret block) and a reset-vector area, laid out as specs/ovmf.md §3–§5 describe, so that the
 * parser and sev-snp-measure's rules accept them. Used by the demo command and by tests.
 * Filler: byte i = ((i mod 251) + seed) & 0xFF (the pattern of specs/sev-snp-measure-cli.md §9).
 */
import { setU16, setU32 } from '../../core/bytes.js';
import { inputError } from '../../core/errors.js';
import { FOOTER } from './footer.js';
import { guidBytes, type OvmfGuidName } from './guids.js';
import { SEV_METADATA, SEV_METADATA_DESC, SEV_METADATA_SIGNATURE, SectionType } from './metadata.js';

export interface BuildSection {
  gpa: number;
  size: number;
  /** A SectionType value (any u32 may be written, to build bad images). */
  type: number;
}

export interface OvmfBuildOptions {
  /** Image size in bytes (default 16 KiB). Must leave room for the tail structures. */
  size?: number;
  /** Filler pattern seed (default 7). */
  fillerSeed?: number;
  /** AP reset EIP (SEV_ES_RESET_BLOCK_GUID); null omits the entry. Default 0x0080B004. */
  resetEip?: number | null;
  /** Kernel-hashes area (SEV_HASH_TABLE_RV_GUID); null omits it. Default GPA 0x810C00, size 0x400. */
  hashTable?: { gpa: number; size: number } | null;
  /** SEV metadata sections, in measurement order; null omits the metadata entry. Default: the AmdSev layout of ovmf.md §5.3. */
  sections?: BuildSection[] | null;
  /** SVSM_INFO_GUID entry (SVSM binaries only). */
  svsmInfo?: number;
  /** SEV_SECRET_BLOCK_GUID entry (present in real OVMF, unused by measurements). */
  secretBlock?: { gpa: number; size: number };
  /** false: no footer table at all. */
  footer?: boolean;
}

/** Where the builder put things (file offsets), for tests that corrupt them. */
export interface OvmfBuildLayout {
  bytes: Uint8Array;
  /** Footer header (u16 size + GUID) at N-50. */
  footerOffset: number;
  /** First byte of the table body. */
  tableOffset: number;
  /** SEV metadata header, or -1. */
  metadataOffset: number;
  /** File offset of each entry's data, by GUID name. */
  entries: Partial<Record<OvmfGuidName, number>>;
}

/** The AmdSev fixture's sections (ovmf.md §5.3). */
export const AMDSEV_SECTIONS: readonly BuildSection[] = [
  { gpa: 0x800000, size: 0x9000, type: SectionType.SNP_SEC_MEM },
  { gpa: 0x80a000, size: 0x3000, type: SectionType.SNP_SEC_MEM },
  { gpa: 0x80d000, size: 0x1000, type: SectionType.SNP_SECRETS },
  { gpa: 0x80e000, size: 0x1000, type: SectionType.CPUID },
  { gpa: 0x80f000, size: 0x1000, type: SectionType.SVSM_CAA },
  { gpa: 0x810000, size: 0x1000, type: SectionType.SNP_KERNEL_HASHES },
  { gpa: 0x811000, size: 0xf000, type: SectionType.SNP_SEC_MEM },
];

export function buildOvmfImage(opts: OvmfBuildOptions = {}): Uint8Array {
  return buildOvmfImageLayout(opts).bytes;
}

export function buildOvmfImageLayout(opts: OvmfBuildOptions = {}): OvmfBuildLayout {
  const n = opts.size ?? 16 * 1024;
  const seed = opts.fillerSeed ?? 7;
  const img = new Uint8Array(n);
  for (let i = 0; i < n; i++) img[i] = ((i % 251) + seed) & 0xff;

  // Reset-vector area: "jmp $" at the architectural reset vector (N-16), zeros around it.
  img.fill(0, n - FOOTER.RESET_VECTOR_AREA);
  img[n - 16] = 0xeb;
  img[n - 15] = 0xfe;
  if (opts.footer === false) return { bytes: img, footerOffset: -1, tableOffset: -1, metadataOffset: -1, entries: {} };

  const sections = opts.sections === undefined ? AMDSEV_SECTIONS : opts.sections;
  const resetEip = opts.resetEip === undefined ? 0x0080b004 : opts.resetEip;
  const hashTable = opts.hashTable === undefined ? { gpa: 0x810c00, size: 0x400 } : opts.hashTable;

  // Entries from the end backwards (the first listed sits right below the footer header).
  const list: { name: OvmfGuidName; data: Uint8Array }[] = [];
  const u32s = (...v: number[]) => {
    const d = new Uint8Array(4 * v.length);
    v.forEach((x, i) => setU32(d, 4 * i, x));
    return d;
  };
  if (resetEip !== null) list.push({ name: 'SEV_ES_RESET_BLOCK', data: u32s(resetEip) });
  if (hashTable !== null) list.push({ name: 'SEV_HASH_TABLE_RV', data: u32s(hashTable.gpa, hashTable.size) });
  if (opts.secretBlock) list.push({ name: 'SEV_SECRET_BLOCK', data: u32s(opts.secretBlock.gpa, opts.secretBlock.size) });
  if (opts.svsmInfo !== undefined) list.push({ name: 'SVSM_INFO', data: u32s(opts.svsmInfo) });
  if (sections !== null) list.push({ name: 'OVMF_SEV_META_DATA', data: u32s(0) }); // patched below

  const bodyLen = list.reduce((s, e) => s + e.data.length + FOOTER.ENTRY_HEADER, 0);
  const footerOffset = n - FOOTER.FOOTER_FROM_END;
  const tableOffset = footerOffset - bodyLen;
  const metaLen = sections === null ? 0 : SEV_METADATA.HEADER_SIZE + sections.length * SEV_METADATA_DESC.SIZE_OF;
  const metadataOffset = sections === null ? -1 : (tableOffset - metaLen) & ~0xf;
  if ((sections === null ? tableOffset : metadataOffset) < 0) {
    throw inputError('BUILD_TOO_SMALL', `an image of ${n} bytes is too small for its footer table and metadata`);
  }

  setU16(img, footerOffset, bodyLen + FOOTER.ENTRY_HEADER);
  img.set(guidBytes('OVMF_TABLE_FOOTER'), footerOffset + 2);
  const entries: Partial<Record<OvmfGuidName, number>> = {};
  let end = footerOffset;
  for (const e of list) {
    const hdr = end - FOOTER.ENTRY_HEADER;
    const start = hdr - e.data.length;
    if (e.name === 'OVMF_SEV_META_DATA') setU32(e.data, 0, n - metadataOffset);
    img.set(e.data, start);
    setU16(img, hdr, e.data.length + FOOTER.ENTRY_HEADER);
    img.set(guidBytes(e.name), hdr + 2);
    entries[e.name] = start;
    end = start;
  }

  if (sections !== null) {
    const m = metadataOffset;
    setU32(img, m + SEV_METADATA.SIGNATURE, SEV_METADATA_SIGNATURE);
    setU32(img, m + SEV_METADATA.SIZE, metaLen);
    setU32(img, m + SEV_METADATA.VERSION, 1);
    setU32(img, m + SEV_METADATA.NUM_ITEMS, sections.length);
    sections.forEach((s, i) => {
      const d = m + SEV_METADATA.HEADER_SIZE + i * SEV_METADATA_DESC.SIZE_OF;
      setU32(img, d + SEV_METADATA_DESC.GPA, s.gpa);
      setU32(img, d + SEV_METADATA_DESC.SIZE, s.size);
      setU32(img, d + SEV_METADATA_DESC.TYPE, s.type);
    });
  }
  return { bytes: img, footerOffset, tableOffset, metadataOffset, entries };
}
