/**
 * What a GCE launch endorsement (gce.ts) is used for beyond its signature: finding it in an
 * extended report's certificate table, showing it, checking an OVMF build against it (the UEFI
 * SHA-384 and every endorsed MEASUREMENT reproduced by measureOvmf with the gce VMM), and turning
 * it into reference values (every refvalues format). Browser-safe.
 */
import { bytesEqual, fromHex, toHex } from '../core/bytes.js';
import { hashProvider } from '../core/hash.js';
import type { ByteSource } from '../core/source.js';
import { looksLikeCertTable, parseCertTable } from '../attestation/cert-table.js';
import { REPORT_SIZE } from '../attestation/report.js';
import { fail, pass, type Check } from '../attestation/check.js';
import { measureOvmf } from '../measure/ovmf.js';
import type { PinnedFields, RefCell } from '../refvalues/types.js';
import { GCE_ENDORSEMENT_GUID, type GceEndorsement } from './gce.js';

const GCE_GUID_BYTES = /* @__PURE__ */ fromHex(GCE_ENDORSEMENT_GUID.replace(/-/g, ''))!;

/** True when a certificate table starts at `at`: a known certificate GUID or the endorsement's first. */
export function looksLikeEndorsementTable(b: Uint8Array, at: number): boolean {
  return b.length >= at + 24 && (looksLikeCertTable(b, at) || bytesEqual(b.subarray(at, at + 16), GCE_GUID_BYTES));
}

/** The endorsement bytes in a GHCB certificate table (at `start` of `b`), or undefined. */
export function gceEndorsementFromCertTable(b: Uint8Array, name: string, start = 0): Uint8Array | undefined {
  const e = parseCertTable(b, name, start).find((x) => x.guid === GCE_ENDORSEMENT_GUID);
  return e && e.data.length > 0 ? e.data : undefined;
}

/** The endorsement in a table alone (at 0) or after a 1184-byte report (an extended report). */
export function gceEndorsementInFile(b: Uint8Array, name: string): { table: boolean; endorsement?: Uint8Array } {
  for (const at of [0, REPORT_SIZE]) {
    if (looksLikeEndorsementTable(b, at)) {
      const e = gceEndorsementFromCertTable(b, name, at);
      return e ? { table: true, endorsement: e } : { table: true };
    }
  }
  return { table: false };
}

/** SHA-384 of a whole source, streamed in 1 MiB chunks. */
async function sha384Source(src: ByteSource): Promise<Uint8Array> {
  const h = hashProvider().createSha384();
  for (let off = 0; off < src.size; off += 1 << 20) h.update(await src.read(off, Math.min(1 << 20, src.size - off)));
  return h.digest();
}

/** "gce.uefi-digest" and "gce.ovmf-measurements": an OVMF build against the endorsement. */
export async function gceOvmfChecks(e: GceEndorsement, ovmf: ByteSource): Promise<Check[]> {
  const out: Check[] = [];
  const d = await sha384Source(ovmf);
  if (!e.digest) out.push(fail('gce.uefi-digest', 'the endorsement carries no UEFI digest'));
  else out.push(toHex(d) === toHex(e.digest) ? pass('gce.uefi-digest', `SHA-384 of ${ovmf.name} = the endorsed digest ${toHex(d)}`) : fail('gce.uefi-digest', `SHA-384 of ${ovmf.name} is ${toHex(d)}, the endorsement says ${toHex(e.digest)}`));
  const m = e.sevSnp?.measurements;
  if (!m || m.size === 0) {
    out.push(fail('gce.ovmf-measurements', 'the endorsement has no SEV-SNP measurements'));
    return out;
  }
  const bad: string[] = [];
  for (const [vcpus, want] of [...m].sort((a, b) => a[0] - b[0])) {
    const r = await measureOvmf({ mode: 'snp', ovmf, vcpus, vmm: 'gce' });
    if (toHex(r.digest) !== toHex(want)) bad.push(`${vcpus} VMSAs: measure gives ${toHex(r.digest)}, endorsed ${toHex(want)}`);
  }
  out.push(bad.length === 0 ? pass('gce.ovmf-measurements', `measure --vmm-type gce reproduces all ${m.size} endorsed counts (${[...m.keys()].sort((a, b) => a - b).join(', ')})`) : fail('gce.ovmf-measurements', bad.join('; ')));
  return out;
}

/** The endorsement as reference values: one gce cell per VMSA count, POLICY/FAMILY_ID/IMAGE_ID pinned. */
export function gceRefValues(e: GceEndorsement): { cells: RefCell[]; pinned: PinnedFields } {
  const snp = e.sevSnp;
  const cells: RefCell[] = [...(snp?.measurements ?? [])].sort((a, b) => a[0] - b[0]).map(([vcpus, measurement]) => ({ platform: 'gce', vcpus, measurement }));
  const pinned: PinnedFields = {};
  if (snp?.policy !== undefined) pinned.policy = snp.policy;
  if (snp?.familyId) pinned.familyId = snp.familyId;
  if (snp?.imageId) pinned.imageId = snp.imageId;
  return { cells, pinned };
}

/** Display lines for `gce endorsement show`. */
export function formatGceEndorsement(e: GceEndorsement): string[] {
  const rows: [string, string][] = [
    ['TIMESTAMP', e.timestamp?.toISOString() ?? '(absent)'],
    ['CL_SPEC', e.clSpec?.toString() ?? '(absent)'],
    ['COMMIT', e.commit ? toHex(e.commit) : '(absent)'],
    ['UEFI_DIGEST', e.digest ? toHex(e.digest) : '(absent)'],
    ['SIGNER_CERT', e.cert ? `${e.cert.length} bytes DER` : '(absent)'],
    ['CA_BUNDLE', e.caBundle ? `${e.caBundle.length} bytes PEM` : '(absent)'],
    ['SIGNATURE', `${e.signature.length} bytes (RSASSA-PSS SHA-256 salt 32)`],
  ];
  const s = e.sevSnp;
  if (s) {
    rows.push(['SNP_SVN', String(s.svn)], ['SNP_POLICY', s.policy === undefined ? '(absent)' : `0x${s.policy.toString(16)}`], ['SNP_FAMILY_ID', s.familyId ? toHex(s.familyId) : '(absent)'], ['SNP_IMAGE_ID', s.imageId ? toHex(s.imageId) : '(absent)']);
    for (const [n, m] of [...s.measurements].sort((a, b) => a[0] - b[0])) rows.push([`MEASUREMENT[${n}]`, toHex(m)]);
    if (s.svsmMeasurement) rows.push(['SVSM_MEASUREMENT', toHex(s.svsmMeasurement)]);
  } else rows.push(['SEV_SNP', '(absent)']);
  if (e.hasTdx) rows.push(['TDX', 'present (not decoded)']);
  return rows.map(([k, v]) => `${k.padEnd(19)}${v}`);
}

/** JSON form for `gce endorsement show --json`. */
export function gceEndorsementToJson(e: GceEndorsement): Record<string, unknown> {
  const s = e.sevSnp;
  return {
    timestamp: e.timestamp?.toISOString() ?? null,
    cl_spec: e.clSpec?.toString() ?? null,
    commit: e.commit ? toHex(e.commit) : null,
    uefi_digest: e.digest ? toHex(e.digest) : null,
    signer_cert_bytes: e.cert?.length ?? 0,
    sev_snp: s
      ? {
          svn: s.svn,
          policy: s.policy === undefined ? null : `0x${s.policy.toString(16)}`,
          family_id: s.familyId ? toHex(s.familyId) : null,
          image_id: s.imageId ? toHex(s.imageId) : null,
          measurements: Object.fromEntries([...s.measurements].sort((a, b) => a[0] - b[0]).map(([n, m]) => [String(n), toHex(m)])),
          svsm_measurement: s.svsmMeasurement ? toHex(s.svsmMeasurement) : null,
        }
      : null,
    tdx: e.hasTdx,
  };
}
