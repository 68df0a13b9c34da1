/**
 * The SEV metadata of an OVMF image (specs/ovmf.md §5.1): a header "ASEV" found at
 * N - u32(OVMF_SEV_META_DATA_GUID entry), followed by 12-byte section descriptors whose file order
 * is the measurement order. Unknown section types are kept here and rejected when measured, as in
 * the reference.
 */
import { u32 } from '../../core/bytes.js';
import { inputError } from '../../core/errors.js';

/** Header layout (ovmf.md §5.1). */
export const SEV_METADATA = {
  SIGNATURE: 0x00, // 4 bytes "ASEV"
  SIZE: 0x04, // u32: header + descriptors
  VERSION: 0x08, // u32: must be 1
  NUM_ITEMS: 0x0c, // u32
  HEADER_SIZE: 0x10,
} as const;

/** Descriptor layout (12 bytes). */
export const SEV_METADATA_DESC = {
  GPA: 0x0, // u32
  SIZE: 0x4, // u32
  TYPE: 0x8, // u32
  SIZE_OF: 12,
} as const;

/** "ASEV" as a u32 LE. */
export const SEV_METADATA_SIGNATURE = 0x56455341;
export const SEV_METADATA_VERSION = 1;

/** Section types known to sev-snp-measure 0.0.13 (OVMF `OvmfSevMetadataSectionType`). */
export const SectionType = {
  SNP_SEC_MEM: 1,
  SNP_SECRETS: 2,
  CPUID: 3,
  /** Calling-area page of an SVSM; measured as ZERO (sev-snp-measure 0.0.11, issue #50). */
  SVSM_CAA: 4,
  /** Page that receives the kernel/initrd/cmdline hashes table (AmdSev builds only). */
  SNP_KERNEL_HASHES: 0x10,
} as const;
export type SectionType = (typeof SectionType)[keyof typeof SectionType];

export const SECTION_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'SNP_SEC_MEM',
  2: 'SNP_SECRETS',
  3: 'CPUID',
  4: 'SVSM_CAA',
  0x10: 'SNP_KERNEL_HASHES',
};

export interface MetadataSection {
  /** 0-based descriptor index. */
  index: number;
  /** File offset of the descriptor. */
  offset: number;
  gpa: number;
  size: number;
  /** Raw type value (may be unknown; see `requireSectionType`). */
  type: number;
}

export interface SevMetadata {
  /** File offset of the header. */
  offset: number;
  size: number;
  version: number;
  sections: MetadataSection[];
}

/** Checks the 16-byte header read at file offset `offset`; returns the descriptor count. */
export function parseMetadataHeader(hdr: Uint8Array, offset: number, fileSize: number, file: string): { size: number; version: number; numItems: number } {
  if (u32(hdr, SEV_METADATA.SIGNATURE) !== SEV_METADATA_SIGNATURE) {
    throw inputError('OVMF_METADATA', 'Wrong SEV metadata signature', { file, offset, field: 'SEV metadata signature' });
  }
  const size = u32(hdr, SEV_METADATA.SIZE);
  const version = u32(hdr, SEV_METADATA.VERSION);
  if (version !== SEV_METADATA_VERSION) {
    throw inputError('OVMF_METADATA', `Wrong SEV metadata version (${version}, expected 1)`, { file, offset: offset + SEV_METADATA.VERSION, field: 'SEV metadata version' });
  }
  const numItems = u32(hdr, SEV_METADATA.NUM_ITEMS);
  const need = SEV_METADATA.HEADER_SIZE + numItems * SEV_METADATA_DESC.SIZE_OF;
  // The reference bounds the descriptors by the header's size field, then by the file.
  if (size < need) {
    throw inputError('OVMF_METADATA', `SEV metadata size ${size} is too small for ${numItems} descriptors (needs ${need})`, {
      file,
      offset: offset + SEV_METADATA.SIZE,
      field: 'SEV metadata size',
    });
  }
  if (offset + need > fileSize) {
    throw inputError('OVMF_METADATA', `SEV metadata with ${numItems} descriptors (${need} bytes) extends past the end of the file (size ${fileSize})`, {
      file,
      offset: offset + SEV_METADATA.NUM_ITEMS,
      field: 'SEV metadata num_items',
    });
  }
  return { size, version, numItems };
}

/** Parses `numItems` descriptors from `descs`, which starts at file offset `offset`. */
export function parseMetadataDescriptors(descs: Uint8Array, offset: number, numItems: number): MetadataSection[] {
  const out: MetadataSection[] = [];
  for (let i = 0; i < numItems; i++) {
    const o = i * SEV_METADATA_DESC.SIZE_OF;
    out.push({
      index: i,
      offset: offset + o,
      gpa: u32(descs, o + SEV_METADATA_DESC.GPA),
      size: u32(descs, o + SEV_METADATA_DESC.SIZE),
      type: u32(descs, o + SEV_METADATA_DESC.TYPE),
    });
  }
  return out;
}

/** The section's type, or the reference's error `N is not a valid SectionType` (with its location). */
export function requireSectionType(s: MetadataSection, file: string): SectionType {
  if (s.type in SECTION_TYPE_NAMES) return s.type as SectionType;
  throw inputError('OVMF_SECTION_TYPE', `${s.type} is not a valid SectionType (SEV metadata descriptor #${s.index})`, {
    file,
    offset: s.offset + SEV_METADATA_DESC.TYPE,
  });
}

/** Name of a section type for logs (`SNP_SEC_MEM`, ..., or `type N`). */
export function sectionTypeName(t: number): string {
  return SECTION_TYPE_NAMES[t] ?? `type ${t}`;
}
