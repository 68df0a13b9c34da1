/**
 * Reference values as go-sev-guest `check` configurations (docs/refvalues.md "gsg").
 *
 * go-sev-guest (google/go-sev-guest, commit af1c107a) reads `check -config FILE`: a `check.Config`
 * protobuf (proto/check.proto), as prototext when the name ends in `.textproto`
 * (tools/check/check.go). Its `Policy` holds ONE `measurement`, so a matrix becomes one
 * configuration per cell. Field names and numbers are check.proto's; bytes are written as
 * single-quoted `\xHH` strings and integers as 0x-hex, the conventions of go-sev-guest's own
 * textprotos (testing/test_cases.go).
 *
 * Semantics carried over (validate/validate.go): `policy` is the most permissive guest policy a
 * report may have (ABI version and SINGLE_SOCKET as minimums), so a pinned POLICY is written as is
 * and an unpinned one as the most permissive value a report can have; `minimum_tcb` and
 * `minimum_guest_svn` are minimums; measurement, host_data, family_id and image_id are exact; a
 * pinned ID or author key digest requires the ID block (or author key) and trusts that digest.
 */
import { toHex } from '../core/bytes.js';
import { describeRefCell } from './check.js';
import type { RefCell, ReferenceValues } from './types.js';

/**
 * ABI 0.0, SMT, reserved bit 17, MIGRATE_MA, DEBUG and CXL_ALLOW allowed; nothing required: the
 * policy that passes every valid report policy in go-sev-guest's validatePolicy.
 */
export const GSG_PERMISSIVE_POLICY = 0x2f0000n;

/** Policy fields of check.proto (name → field number), the only ones written. */
export const GSG_POLICY_FIELDS = {
  minimum_guest_svn: 1,
  policy: 2,
  family_id: 3,
  image_id: 4,
  minimum_tcb: 6,
  require_author_key: 9,
  measurement: 11,
  host_data: 12,
  require_id_block: 19,
  trusted_author_key_hashes: 21,
  trusted_id_key_hashes: 23,
} as const;

const bytesText = (b: Uint8Array): string => "'" + Array.from(b, (x) => '\\x' + x.toString(16).padStart(2, '0')).join('') + "'";
const hexInt = (v: bigint | number): string => '0x' + v.toString(16);

/** One check.Config as prototext for one cell. */
export function gsgConfigText(rv: ReferenceValues, cell: RefCell): string {
  const p = rv.pinned;
  const lines: string[] = [
    `# go-sev-guest check configuration (check.Config, proto/check.proto), written by ${rv.tool}`,
    `# cell: ${describeRefCell(cell)}`,
    `# MEASUREMENT ${toHex(cell.measurement)}`,
    'policy {',
  ];
  const f = (name: keyof typeof GSG_POLICY_FIELDS, value: string) => lines.push(`  ${name}: ${value}`);
  if (p.guestSvn !== undefined) f('minimum_guest_svn', String(p.guestSvn));
  f('policy', hexInt(p.policy ?? GSG_PERMISSIVE_POLICY));
  if (p.familyId) f('family_id', bytesText(p.familyId));
  if (p.imageId) f('image_id', bytesText(p.imageId));
  if (p.minTcb !== undefined) f('minimum_tcb', hexInt(p.minTcb));
  if (p.authorKeyDigest) f('require_author_key', 'true');
  f('measurement', bytesText(cell.measurement));
  if (p.hostData) f('host_data', bytesText(p.hostData));
  if (p.idKeyDigest) f('require_id_block', 'true');
  if (p.authorKeyDigest) f('trusted_author_key_hashes', bytesText(p.authorKeyDigest));
  if (p.idKeyDigest) f('trusted_id_key_hashes', bytesText(p.idKeyDigest));
  lines.push('}', '');
  return lines.join('\n');
}

/** A file name for a cell's configuration: its coordinates, safe on every file system. */
export function gsgFileName(cell: RefCell, index: number): string {
  const parts: string[] = [cell.platform];
  if (cell.platform === 'external') parts.push(String(index));
  if (cell.vcpus !== undefined) parts.push(`${cell.vcpus}vcpu`);
  if (cell.vcpuType !== undefined) parts.push(cell.vcpuType);
  else if (cell.vcpuSig !== undefined) parts.push(`sig${hexInt(cell.vcpuSig)}`);
  if (cell.guestFeatures !== undefined) parts.push(`sf${hexInt(cell.guestFeatures)}`);
  if (cell.kvm !== undefined) parts.push(cell.kvm);
  return parts.join('_').replace(/[^A-Za-z0-9._-]/g, '-') + '.textproto';
}

/** Every cell's configuration: [file name, text]; names are unique (a duplicate gets its index). */
export function encodeGsg(rv: ReferenceValues): [string, string][] {
  const seen = new Set<string>();
  return rv.cells.map((c, i) => {
    let name = gsgFileName(c, i);
    if (seen.has(name)) name = name.replace(/\.textproto$/, `_${i}.textproto`);
    seen.add(name);
    return [name, gsgConfigText(rv, c)];
  });
}
