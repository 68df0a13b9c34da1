/**
 * PAGE_INFO, the 0x70-byte record the SNP firmware hashes for every launch page
 * (SNP firmware ABI "Layout of the PAGE_INFO structure"; specs/launch-digest.md §2.1).
 */
import { type PageType } from './page-types.js';

/** Offset table (bytes). */
export const PAGE_INFO = {
  DIGEST_CUR: 0x00, // 48: current launch digest
  CONTENTS: 0x30, // 48: SHA-384(page) for NORMAL/VMSA, else zero
  LENGTH: 0x60, // u16 = 0x70
  PAGE_TYPE: 0x62, // u8
  IMI_PAGE: 0x63, // u8, bit 0
  VMPL3_PERMS: 0x64,
  VMPL2_PERMS: 0x65,
  VMPL1_PERMS: 0x66,
  RESERVED: 0x67,
  GPA: 0x68, // u64
  SIZE: 0x70,
} as const;

/**
 * Writes a PAGE_INFO into `out` (0x70 bytes, reused across steps so the hot loop allocates nothing
 * but the digests). The VMPL permission bytes and IMI bit are always 0 for launch pages.
 */
export function writePageInfo(out: Uint8Array, digest: Uint8Array, contents: Uint8Array | null, type: PageType, gpa: number): void {
  out.set(digest, PAGE_INFO.DIGEST_CUR);
  if (contents) out.set(contents, PAGE_INFO.CONTENTS);
  else out.fill(0, PAGE_INFO.CONTENTS, PAGE_INFO.CONTENTS + 48);
  out[PAGE_INFO.LENGTH] = PAGE_INFO.SIZE;
  out[PAGE_INFO.LENGTH + 1] = 0;
  out[PAGE_INFO.PAGE_TYPE] = type;
  out.fill(0, PAGE_INFO.IMI_PAGE, PAGE_INFO.GPA);
  // GPA as u64 LE from a page-aligned double below 2^64 (exact): two u32 halves, byte by byte so
  // the per-step hot path creates no DataView.
  const lo = gpa % 0x1_0000_0000;
  const hi = Math.floor(gpa / 0x1_0000_0000);
  const o = PAGE_INFO.GPA;
  out[o] = lo & 0xff;
  out[o + 1] = (lo >>> 8) & 0xff;
  out[o + 2] = (lo >>> 16) & 0xff;
  out[o + 3] = lo >>> 24;
  out[o + 4] = hi & 0xff;
  out[o + 5] = (hi >>> 8) & 0xff;
  out[o + 6] = (hi >>> 16) & 0xff;
  out[o + 7] = hi >>> 24;
}

export function pageInfo(digest: Uint8Array, contents: Uint8Array | null, type: PageType, gpa: number): Uint8Array {
  const out = new Uint8Array(PAGE_INFO.SIZE);
  writePageInfo(out, digest, contents, type, gpa);
  return out;
}
