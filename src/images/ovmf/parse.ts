/**
 * Parses an OVMF image from a ByteSource, reading only its tail: the footer table (ovmf.md §3) and
 * the SEV metadata (§5.1) both sit near the end of the file. Every offset read from the file is
 * checked against the file size, and errors name the file and the offset.
 */
import { inputError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';
import { EMPTY_FOOTER, entryU32, FOOTER, missingEntryError, parseFooterBody, readFooterHeader, type FooterEntry, type FooterTable } from './footer.js';
import { OvmfGuid } from './guids.js';
import { parseMetadataDescriptors, parseMetadataHeader, SEV_METADATA, SEV_METADATA_DESC, type SevMetadata } from './metadata.js';

/** The image is mapped so that it ends at 4 GiB (ovmf.md §2). */
export const FOUR_GIB = 0x1_0000_0000;

export interface OvmfImage {
  source: ByteSource;
  /** File name for errors. */
  name: string;
  size: number;
  footer: FooterTable;
  /** Absent when the table has no OVMF_SEV_META_DATA_GUID entry (an empty list, not an error). */
  metadata: SevMetadata | undefined;
}

export async function parseOvmf(src: ByteSource): Promise<OvmfImage> {
  const file = src.name;
  const n = src.size;
  if (n === 0) throw inputError('OVMF_EMPTY', 'firmware file is empty', { file });
  const footer = await readFooter(src);
  const metadata = await readMetadata(src, footer);
  return { source: src, name: file, size: n, footer, metadata };
}

async function readFooter(src: ByteSource): Promise<FooterTable> {
  const n = src.size;
  if (n < FOOTER.FOOTER_FROM_END) return EMPTY_FOOTER;
  const hdrOff = n - FOOTER.FOOTER_FROM_END;
  const { present, size } = readFooterHeader(await src.read(hdrOff, FOOTER.ENTRY_HEADER));
  if (!present) return EMPTY_FOOTER;
  const bodyLen = Math.max(0, size - FOOTER.ENTRY_HEADER);
  if (bodyLen > hdrOff) {
    throw inputError('OVMF_FOOTER', `footer table size ${size} is larger than the ${hdrOff} bytes before the footer`, {
      file: src.name,
      offset: hdrOff,
      field: 'footer table size',
    });
  }
  const bodyOff = hdrOff - bodyLen;
  return parseFooterBody(await src.read(bodyOff, bodyLen), bodyOff, size, src.name);
}

async function readMetadata(src: ByteSource, footer: FooterTable): Promise<SevMetadata | undefined> {
  const e = footer.byGuid.get(OvmfGuid.OVMF_SEV_META_DATA);
  if (!e) {
    // The reference would read a truncated copy of an entry cut by the table start; refuse instead.
    const cut = missingEntryError(footer, OvmfGuid.OVMF_SEV_META_DATA, 'OVMF_SEV_META_DATA_GUID', src.name);
    if (cut) throw cut;
    return undefined;
  }
  const n = src.size;
  const fromEnd = entryU32(e, src.name);
  if (fromEnd > n || fromEnd < SEV_METADATA.HEADER_SIZE) {
    throw inputError('OVMF_METADATA', `SEV metadata offset ${fromEnd} from the end of the file is outside the file (size ${n}) or too small for the header`, {
      file: src.name,
      offset: e.offset,
      field: 'OVMF_SEV_META_DATA_GUID',
    });
  }
  const offset = n - fromEnd;
  const hdr = parseMetadataHeader(await src.read(offset, SEV_METADATA.HEADER_SIZE), offset, n, src.name);
  const descOff = offset + SEV_METADATA.HEADER_SIZE;
  const descs = await src.read(descOff, hdr.numItems * SEV_METADATA_DESC.SIZE_OF);
  return { offset, size: hdr.size, version: hdr.version, sections: parseMetadataDescriptors(descs, descOff, hdr.numItems) };
}

/** GPA of the first byte of the image (4 GiB − size); needs the full image size (§2). */
export function firmwareGpa(img: OvmfImage): number {
  if (img.size > FOUR_GIB) {
    throw inputError('OVMF_TOO_LARGE', `firmware of ${img.size} bytes does not fit below 4 GiB`, { file: img.name });
  }
  return FOUR_GIB - img.size;
}

function entry(img: OvmfImage, guid: string): FooterEntry | undefined {
  return img.footer.byGuid.get(guid);
}

/** Like `entry`, for an entry the launch needs: one the table walk stopped at is an error. */
function neededEntry(img: OvmfImage, guid: string, name: string): FooterEntry | undefined {
  const e = entry(img, guid);
  if (e) return e;
  const cut = missingEntryError(img.footer, guid, name, img.name);
  if (cut) throw cut;
  return undefined;
}

/** The AP reset EIP from the SEV-ES reset block, if present. */
export function resetEip(img: OvmfImage): number | undefined {
  const e = entry(img, OvmfGuid.SEV_ES_RESET_BLOCK);
  return e ? entryU32(e, img.name) : undefined;
}

/** The AP reset EIP, or the reference's error. */
export function requireResetEip(img: OvmfImage): number {
  const e = neededEntry(img, OvmfGuid.SEV_ES_RESET_BLOCK, 'SEV_ES_RESET_BLOCK_GUID');
  const v = e ? entryU32(e, img.name) : undefined;
  if (v === undefined) {
    throw inputError('OVMF_NO_RESET_BLOCK', "Can't find SEV_ES_RESET_BLOCK_GUID entry in OVMF table", { file: img.name });
  }
  return v;
}

/** The kernel-hashes area (GPA, and size when the entry carries one), if the entry is present. */
export function hashTableArea(img: OvmfImage): { gpa: number; size: number | undefined } | undefined {
  const e = entry(img, OvmfGuid.SEV_HASH_TABLE_RV);
  if (!e) return undefined;
  return { gpa: entryU32(e, img.name), size: e.data.length >= 8 ? entryU32(e, img.name, 4) : undefined };
}

/** SNP: the hash-table GPA, or the reference's error (a GPA of 0 is not rejected; §5.2). */
export function requireHashTableGpa(img: OvmfImage): number {
  neededEntry(img, OvmfGuid.SEV_HASH_TABLE_RV, 'SEV_HASH_TABLE_RV_GUID');
  const a = hashTableArea(img);
  if (!a) throw inputError('OVMF_NO_HASH_TABLE', "Can't find SEV_HASH_TABLE_RV_GUID entry in OVMF table", { file: img.name });
  return a.gpa;
}

/** SEV / SEV-ES: kernel hashes are supported when the entry exists and its GPA is non-zero. */
export function sevHashesSupported(img: OvmfImage): boolean {
  neededEntry(img, OvmfGuid.SEV_HASH_TABLE_RV, 'SEV_HASH_TABLE_RV_GUID');
  const a = hashTableArea(img);
  return a !== undefined && a.gpa !== 0;
}

/** The SVSM entry offset of a Coconut-SVSM binary, or the reference's error. */
export function requireSvsmEntryOffset(img: OvmfImage): number {
  const e = neededEntry(img, OvmfGuid.SVSM_INFO, 'SVSM_INFO_GUID');
  if (!e) throw inputError('SVSM_NO_INFO', "Can't find SVSM_INFO_GUID entry in SVSM table", { file: img.name });
  return entryU32(e, img.name);
}

/** Whether any metadata section has this type. */
export function hasSection(img: OvmfImage, type: number): boolean {
  return img.metadata?.sections.some((s) => s.type === type) ?? false;
}
