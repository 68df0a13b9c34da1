/**
 * Which report fields a set of checks pinned, and so which ones nothing checked: `report verify`
 * prints the rest as "not checked" and the explorer shows the same line, so an OK is never read as
 * a check of a field nobody compared. Browser-safe.
 */
import type { AttestationReport } from './report.js';

/** Report fields a verifier may pin, most important first (ABI names). */
export const PINNABLE_FIELDS: readonly string[] = ['MEASUREMENT', 'REPORT_DATA', 'HOST_DATA', 'ID_KEY_DIGEST', 'AUTHOR_KEY_DIGEST', 'FAMILY_ID', 'IMAGE_ID', 'GUEST_SVN', 'POLICY', 'VMPL', 'REPORTED_TCB', 'LAUNCH_TCB', 'CURRENT_VERSION', 'PLATFORM_INFO', 'CHIP_ID', 'REPORT_ID', 'REPORT_ID_MA'];

/** Check name → the report fields it pins (a name ending in '.' is a prefix). */
export const CHECK_FIELDS: readonly (readonly [string, readonly string[]])[] = [
  ['measurement', ['MEASUREMENT']],
  ['report-data', ['REPORT_DATA']],
  ['host-data', ['HOST_DATA']],
  ['id-key-digest', ['ID_KEY_DIGEST']],
  ['author-key-digest', ['AUTHOR_KEY_DIGEST']],
  ['family-id', ['FAMILY_ID']],
  ['image-id', ['IMAGE_ID']],
  ['min-guest-svn', ['GUEST_SVN']],
  ['vmpl', ['VMPL']],
  ['min-tcb', ['REPORTED_TCB']],
  ['min-launch-tcb', ['LAUNCH_TCB']],
  ['min-firmware', ['CURRENT_VERSION']],
  ['platform-info.', ['PLATFORM_INFO']],
  ['expected-chip-id', ['CHIP_ID']],
  ['report-id', ['REPORT_ID']],
  ['report-id-ma', ['REPORT_ID_MA']],
  ['min-mit-vector', ['LAUNCH_MIT_VECTOR', 'CURRENT_MIT_VECTOR']],
  ['stepping', ['CPUID_STEP']],
  // Endorsements (src/endorsements): what each compares with the report.
  ['uvm.measurement', ['MEASUREMENT']],
  ['host-data-of', ['HOST_DATA']],
  ['initdata', ['HOST_DATA']],
  ['hcl.runtime-data', ['REPORT_DATA']],
  ['gce.measurement', ['MEASUREMENT']],
  ['gce.family-id', ['FAMILY_ID']],
  ['gce.image-id', ['IMAGE_ID']],
  ['gce.policy', ['POLICY']],
];

/** The fields these checks pin. */
export function fieldsPinnedBy(checkName: string): readonly string[] {
  return CHECK_FIELDS.filter(([n]) => (n.endsWith('.') ? checkName.startsWith(n) : checkName === n)).flatMap(([, f]) => f);
}

/** The report's pinnable fields that neither a named check nor `covered` pinned, in PINNABLE order. */
export function uncheckedFields(report: Pick<AttestationReport, 'version' | 'cpuid'>, checkNames: Iterable<string>, covered: Iterable<string> = []): string[] {
  const got = new Set(covered);
  for (const n of checkNames) for (const f of fieldsPinnedBy(n)) got.add(f);
  const all = [...PINNABLE_FIELDS];
  if (report.version >= 5) all.push('LAUNCH_MIT_VECTOR', 'CURRENT_MIT_VECTOR');
  if (report.cpuid) all.push('CPUID_STEP');
  return all.filter((f) => !got.has(f));
}
