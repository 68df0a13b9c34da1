/**
 * A JSON-friendly summary of a parsed OVMF image for the CLI and the explorer: where it sits in
 * guest memory, its footer-table entries by name, the values the measurement uses (reset EIP,
 * hash-table area, SVSM entry) and the SEV metadata sections with their names and page types per
 * VMM. specs/ovmf.md §2–§5, §9.
 */
import { toHex } from '../../core/bytes.js';
import { entryU32 } from './footer.js';
import { OvmfGuid, ovmfGuidName } from './guids.js';
import { SectionType, sectionTypeName } from './metadata.js';
import { FOUR_GIB, hashTableArea, resetEip, type OvmfImage } from './parse.js';

export interface OvmfSummary {
  file: string;
  size: number;
  /** 4 GiB − size, when the image fits below 4 GiB. */
  gpa: number | undefined;
  pageAligned: boolean;
  footer: { present: boolean; offset: number; size: number };
  entries: { guid: string; name: string | undefined; offset: number; size: number; dataHex: string }[];
  resetEip: number | undefined;
  hashTable: { gpa: number; size: number | undefined } | undefined;
  svsmEntryOffset: number | undefined;
  metadata: { offset: number; size: number; version: number } | undefined;
  sections: { index: number; offset: number; gpa: number; size: number; type: number; name: string; known: boolean }[];
  /** What each mode can do with this image, in words. */
  capabilities: string[];
}

export function inspectOvmf(img: OvmfImage): OvmfSummary {
  const svsm = img.footer.byGuid.get(OvmfGuid.SVSM_INFO);
  const sections = (img.metadata?.sections ?? []).map((s) => ({ ...s, name: sectionTypeName(s.type), known: sectionTypeName(s.type) !== `type ${s.type}` }));
  const eip = resetEip(img);
  const ht = hashTableArea(img);
  const caps: string[] = [];
  caps.push('sev: yes (SHA-256 of the file)');
  caps.push(eip === undefined ? 'seves/snp: no (no SEV-ES reset block)' : `seves/snp: yes (AP reset EIP 0x${eip.toString(16)})`);
  if (img.size % 4096 !== 0) caps.push('snp: the size is not a multiple of 4096, so only --snp-ovmf-hash launches work');
  if (sections.some((s) => !s.known)) caps.push('snp: fails on an unknown metadata section type');
  caps.push(sections.some((s) => s.type === SectionType.SNP_KERNEL_HASHES) ? 'snp measured direct boot: yes (SNP_KERNEL_HASHES section)' : 'snp measured direct boot: no SNP_KERNEL_HASHES section');
  caps.push(ht !== undefined && ht.gpa !== 0 ? 'sev/seves measured direct boot: yes' : 'sev/seves measured direct boot: no (hash-table GPA missing or 0)');
  const stop = img.footer.stop;
  if (stop) caps.push(`footer table: entry ${ovmfGuidName(stop.guid) ?? stop.guid} runs ${stop.overhang} bytes past the table start; QEMU (and this tool) stop reading the table there`);
  return {
    file: img.name,
    size: img.size,
    gpa: img.size <= FOUR_GIB ? FOUR_GIB - img.size : undefined,
    pageAligned: img.size % 4096 === 0,
    footer: { present: img.footer.present, offset: img.footer.offset, size: img.footer.size },
    entries: img.footer.entries.map((e) => ({ guid: e.guid, name: ovmfGuidName(e.guid), offset: e.offset, size: e.size, dataHex: toHex(e.data) })),
    resetEip: eip,
    hashTable: ht,
    svsmEntryOffset: svsm && svsm.data.length >= 4 ? entryU32(svsm, img.name) : undefined,
    metadata: img.metadata ? { offset: img.metadata.offset, size: img.metadata.size, version: img.metadata.version } : undefined,
    sections,
    capabilities: caps,
  };
}
