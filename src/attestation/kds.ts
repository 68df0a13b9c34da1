/**
 * AMD Key Distribution Service URLs (specs/attestation.md §3; AMD 57230). For display only: the
 * library never fetches anything.
 */
import { toHex } from '../core/bytes.js';
import type { ProductLine } from './product.js';
import type { TcbParts } from './tcb.js';
import type { VekKind } from './vek.js';

export const KDS_BASE = 'https://kdsintf.amd.com';

/** KDS path segment for a key kind: /vcek/v1 or /vlek/v1. */
const seg = (kind: VekKind): string => (kind === 'VCEK' ? 'vcek' : 'vlek');

/** ASK+ARK (VCEK) or ASVK+ARK (VLEK) PEM bundle. */
export function certChainUrl(line: ProductLine, kind: VekKind = 'VCEK'): string {
  return `${KDS_BASE}/${seg(kind)}/v1/${line}/cert_chain`;
}

/** The ARK-signed CRL that revokes intermediates. */
export function crlUrl(line: ProductLine, kind: VekKind = 'VCEK'): string {
  return `${KDS_BASE}/${seg(kind)}/v1/${line}/crl`;
}

/** SPL query string, decimal like go-sev-guest; Turin puts fmcSPL first (§3). */
function splQuery(tcb: TcbParts, line: ProductLine): string {
  const q: string[] = [];
  if (line === 'Turin' || line === 'Venice') q.push(`fmcSPL=${tcb.fmc ?? 0}`);
  q.push(`blSPL=${tcb.bl}`, `teeSPL=${tcb.tee}`, `snpSPL=${tcb.snp}`, `ucodeSPL=${tcb.ucode}`);
  return q.join('&');
}

/**
 * The VCEK download URL for a chip and REPORTED_TCB; undefined when CHIP_ID is masked (all zero),
 * since no VCEK can be requested then. Turin uses only CHIP_ID[0..8] (16 hex characters).
 */
export function vcekUrl(line: ProductLine, chipId: Uint8Array, reportedTcb: TcbParts): string | undefined {
  const id = line === 'Turin' || line === 'Venice' ? chipId.subarray(0, 8) : chipId;
  if (id.every((b) => b === 0)) return undefined;
  return `${KDS_BASE}/vcek/v1/${line}/${toHex(id)}?${splQuery(reportedTcb, line)}`;
}

/** The VLEK URL (needs cloud-provider credentials; VLEKs normally come from the host). */
export function vlekUrl(line: ProductLine, reportedTcb: TcbParts): string {
  return `${KDS_BASE}/vlek/v1/${line}/cert?${splQuery(reportedTcb, line)}`;
}
