/**
 * The GHCB certificate table (specs/attestation.md §1.7; GHCB spec 56421, SNP extended guest
 * request): what SNP_GET_EXT_REPORT and configfs-tsm `auxblob` return beside the report. Entries of
 * 24 bytes {GUID[16], offset u32, length u32}, ended by an all-zero entry; offsets are relative to
 * the table start. GUIDs are in RFC 4122 byte order (go-sev-guest, virtee); the EFI mixed-endian
 * order is accepted too.
 */
import { inputError } from '../core/errors.js';
import { fromHex, guidToString, isAllZero, toHex, u32 } from '../core/bytes.js';

/** Certificate GUIDs (§1.7 table). */
export const CERT_TABLE_GUIDS: Readonly<Record<string, 'VCEK' | 'VLEK' | 'ASK' | 'ARK'>> = {
  '63da758d-e664-4564-adc5-f4b93be8accd': 'VCEK',
  'a8074bc2-a25a-483e-aae6-39c045a0b8a1': 'VLEK',
  '4ab7b379-bbac-4fe4-a02f-05aef327c782': 'ASK', // also used for the ASVK
  'c0b406a4-a803-4952-9743-3fb6014cd0ae': 'ARK',
};

const ENTRY = 24;
/** Entries beyond this are taken as garbage (a real table has 3–5). */
const MAX_ENTRIES = 64;

export interface CertTableEntry {
  guid: string;
  /** VCEK, VLEK, ASK, ARK, or undefined for other GUIDs (e.g. go-sev-guest's product hint). */
  kind?: 'VCEK' | 'VLEK' | 'ASK' | 'ARK';
  data: Uint8Array;
}

/** RFC 4122 byte order → canonical string. */
function rfcGuid(b: Uint8Array): string {
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The known certificate GUID at `off`, in either byte order, or undefined. */
function knownGuid(b: Uint8Array, off: number): string | undefined {
  if (off + 16 > b.length) return undefined;
  const g = b.subarray(off, off + 16);
  const rfc = rfcGuid(g);
  if (CERT_TABLE_GUIDS[rfc]) return rfc;
  const efi = guidToString(g);
  return CERT_TABLE_GUIDS[efi] ? efi : undefined;
}

/** True when `b` starts with a certificate-table entry for a known certificate GUID. */
export function looksLikeCertTable(b: Uint8Array, off = 0): boolean {
  return knownGuid(b, off) !== undefined;
}

/** Parses the table at `start` of `b` (offsets are relative to `start`). */
export function parseCertTable(b: Uint8Array, name = 'certificate table', start = 0): CertTableEntry[] {
  const t = b.subarray(start);
  const out: CertTableEntry[] = [];
  for (let i = 0; ; i++) {
    const off = i * ENTRY;
    if (off + ENTRY > t.length) throw inputError('BAD_CERT_TABLE', 'certificate table has no terminating all-zero entry', { file: name, offset: start + off });
    const e = t.subarray(off, off + ENTRY);
    if (isAllZero(e)) break;
    if (i >= MAX_ENTRIES) throw inputError('BAD_CERT_TABLE', `more than ${MAX_ENTRIES} certificate table entries`, { file: name, offset: start + off });
    const guid = knownGuid(t, off) ?? rfcGuid(e.subarray(0, 16));
    const dataOff = u32(e, 16);
    const len = u32(e, 20);
    if (dataOff + len > t.length || dataOff < ENTRY) {
      throw inputError('BAD_CERT_TABLE', `entry ${i} (${guid}) points at ${dataOff}+${len}, outside the ${t.length}-byte table`, { file: name, offset: start + off });
    }
    const entry: CertTableEntry = { guid, data: t.subarray(dataOff, dataOff + len) };
    const kind = CERT_TABLE_GUIDS[guid];
    if (kind) entry.kind = kind;
    out.push(entry);
  }
  return out;
}

/** For tests and tools: the GUID bytes (RFC 4122 order) of a canonical GUID string. */
export function guidBytesRfc(s: string): Uint8Array {
  return fromHex(s.replace(/-/g, ''))!;
}
