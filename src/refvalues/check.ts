/**
 * A report against reference values: it passes when its MEASUREMENT is one cell's and every pinned
 * field holds (exact values equal; REPORTED_TCB at or above the minimum, component by component in
 * the report's own TCB layout). The result names the matching cell, or the nearest reason.
 */
import { bytesEqual, toHex, u64 } from '../core/bytes.js';
import type { AttestationReport } from '../attestation/report.js';
import { decodeTcb, formatTcb, tcbBelow } from '../attestation/tcb.js';
import type { PinnedField, RefCell, ReferenceValues } from './types.js';

export interface RefValuesFailure {
  /** The report field that differs: MEASUREMENT or a pinned field's report name. */
  field: string;
  reason: string;
}

export interface RefValuesResult {
  pass: boolean;
  /** The first cell whose MEASUREMENT equals the report's. */
  cell?: RefCell;
  /** How many cells share that MEASUREMENT. */
  matchingCells: number;
  failures: RefValuesFailure[];
}

/** Report field names (as in the firmware ABI) of the pinned fields. */
export const REPORT_NAME: Record<PinnedField, string> = {
  policy: 'POLICY',
  hostData: 'HOST_DATA',
  idKeyDigest: 'ID_KEY_DIGEST',
  authorKeyDigest: 'AUTHOR_KEY_DIGEST',
  familyId: 'FAMILY_ID',
  imageId: 'IMAGE_ID',
  minTcb: 'REPORTED_TCB',
  guestSvn: 'GUEST_SVN',
};

export function describeRefCell(c: RefCell): string {
  if (c.platform === 'external') return 'an externally supplied measurement (--measurement)';
  // A CoRIM without snp-launch's cell descriptions (e.g. Veraison's flavor) names only the triple.
  if (/^reference-triples\[\d+\]$/.test(c.platform)) return `the CoRIM's ${c.platform}, whose MEASUREMENT this is (the file names no platform, vCPU count or CPU type for it)`;
  const parts = [c.platform];
  if (c.vcpus !== undefined) parts.push(`${c.vcpus} vCPU${c.vcpus === 1 ? '' : 's'}`);
  if (c.vcpuType !== undefined) parts.push(`vCPU type ${c.vcpuType}`);
  else if (c.vcpuSig !== undefined) parts.push(`vCPU signature 0x${c.vcpuSig.toString(16)}`);
  if (c.guestFeatures !== undefined) parts.push(`SEV_FEATURES 0x${c.guestFeatures.toString(16)}`);
  if (c.kvm !== undefined) parts.push(`KVM ${c.kvm}`);
  return parts.join(', ');
}

export function checkReportAgainstRefValues(r: AttestationReport, rv: ReferenceValues): RefValuesResult {
  const failures: RefValuesFailure[] = [];
  const matching = rv.cells.filter((c) => bytesEqual(c.measurement, r.measurement));
  if (matching.length === 0) {
    failures.push({ field: 'MEASUREMENT', reason: `MEASUREMENT ${toHex(r.measurement)} is none of the ${rv.cells.length} reference measurements` });
  }
  const p = rv.pinned;
  const bytesPin = (k: PinnedField, want: Uint8Array | undefined, got: Uint8Array) => {
    if (want && !bytesEqual(want, got)) failures.push({ field: REPORT_NAME[k], reason: `${REPORT_NAME[k]} is ${toHex(got)}, the reference values pin ${toHex(want)}` });
  };
  const policy = u64(r.bytes, 0x08);
  if (p.policy !== undefined && p.policy !== policy) failures.push({ field: 'POLICY', reason: `POLICY is 0x${policy.toString(16)}, the reference values pin 0x${p.policy.toString(16)}` });
  bytesPin('hostData', p.hostData, r.hostData);
  bytesPin('idKeyDigest', p.idKeyDigest, r.idKeyDigest);
  bytesPin('authorKeyDigest', p.authorKeyDigest, r.authorKeyDigest);
  bytesPin('familyId', p.familyId, r.familyId);
  bytesPin('imageId', p.imageId, r.imageId);
  if (p.minTcb !== undefined) {
    const min = decodeTcb(p.minTcb, r.tcbLayout);
    const low = tcbBelow(r.reportedTcb, min);
    if (low.length > 0) failures.push({ field: 'REPORTED_TCB', reason: `REPORTED_TCB ${formatTcb(r.reportedTcb)} is below the minimum ${formatTcb(min)} (${low.join(', ')})` });
  }
  if (p.guestSvn !== undefined && p.guestSvn !== r.guestSvn) failures.push({ field: 'GUEST_SVN', reason: `GUEST_SVN is ${r.guestSvn}, the reference values pin ${p.guestSvn}` });
  return { pass: failures.length === 0, ...(matching[0] ? { cell: matching[0] } : {}), matchingCells: matching.length, failures };
}
