/**
 * Reference values for Trustee's Reference Value Provider Service (RVPS), docs/refvalues.md "rvps".
 *
 * What RVPS takes (confidential-containers/trustee, commit 78962cd4): a message
 * `{"version": "0.1.0", "type": "sample", "payload": base64(provenance)}` (rvps/README.md), where the
 * "sample" provenance is a JSON object of reference-value name → value (rvps/src/extractors/sample;
 * values are any JSON), registered with `rvps-tool register --path FILE` or the KBS
 * `/reference-value` endpoint. The names are the ones the attestation service's default EAR
 * policy for CPUs compares (attestation-service/src/ear_token/ear_default_policy_cpu.rego):
 *   - `snp_launch_measurement`: `input.snp.measurement in ...`; the SNP verifier's claim is
 *     the report's MEASUREMENT as lowercase hex (deps/verifier/src/snp: `hex::encode`);
 *   - `snp_bootloader`, `snp_tee`, `snp_snp_svn`, `snp_microcode`: `reported_tcb_* in ...`; set
 *     membership, so a minimum becomes the list min..255;
 *   - `snp_guest_abi_major`, `snp_guest_abi_minor`, `snp_single_socket`, `snp_smt_allowed`:
 *     compared with `==` to the policy claims, so scalars.
 * The default policy also requires `policy_debug_allowed == false` and `policy_migrate_ma == false`,
 * and compares `snp_smt_enabled`/`snp_tsme_enabled` (platform info, not a launch input): those
 * stay the operator's to register. HOST_DATA, the key digests, FAMILY_ID, IMAGE_ID and GUEST_SVN
 * have no name in that policy; they are reported as notes, not written under invented names.
 */
import { toBase64, toHex } from '../core/bytes.js';
import { decodeTcb } from '../attestation/tcb.js';
import type { TcbLayout } from '../attestation/product.js';
import { decodePolicy } from '../attestation/policy.js';
import type { ReferenceValues } from './types.js';

/** The RVPS message version and provenance type this encoder writes (rvps/src/extractors/mod.rs). */
export const RVPS_MESSAGE_VERSION = '0.1.0';
export const RVPS_PROVENANCE_TYPE = 'sample';

/** Reference-value names of Trustee's default CPU policy for SNP. */
export const RVPS_NAMES = {
  measurement: 'snp_launch_measurement',
  bootloader: 'snp_bootloader',
  tee: 'snp_tee',
  snp: 'snp_snp_svn',
  microcode: 'snp_microcode',
  abiMajor: 'snp_guest_abi_major',
  abiMinor: 'snp_guest_abi_minor',
  singleSocket: 'snp_single_socket',
  smtAllowed: 'snp_smt_allowed',
} as const;

export interface RvpsOutput {
  /** The registration message (what `rvps-tool register --path` reads). */
  message: { version: string; type: string; payload: string };
  /** The decoded provenance: name → reference value. */
  provenance: Record<string, unknown>;
  /** What could not be expressed for the default policy, one line each (the CLI prints them to stderr). */
  notes: string[];
}

export interface RvpsOptions {
  /** How to read the pinned minimum TCB's u64 (Milan/Genoa or Turin layout); default milan. */
  tcbLayout?: TcbLayout;
}

const atLeast = (min: number): number[] => Array.from({ length: 256 - min }, (_, i) => min + i);

export function encodeRvps(rv: ReferenceValues, opts: RvpsOptions = {}): RvpsOutput {
  const notes: string[] = [];
  const provenance: Record<string, unknown> = {};
  // Unique, in cell order: the policy tests membership, duplicates add nothing.
  provenance[RVPS_NAMES.measurement] = [...new Set(rv.cells.map((c) => toHex(c.measurement)))];
  const p = rv.pinned;
  if (p.minTcb !== undefined) {
    const t = decodeTcb(p.minTcb, opts.tcbLayout ?? 'milan');
    provenance[RVPS_NAMES.bootloader] = atLeast(t.bl);
    provenance[RVPS_NAMES.tee] = atLeast(t.tee);
    provenance[RVPS_NAMES.snp] = atLeast(t.snp);
    provenance[RVPS_NAMES.microcode] = atLeast(t.ucode);
    if (t.fmc !== undefined && t.fmc > 0) notes.push(`the FMC minimum (${t.fmc}) has no name in Trustee's default policy; not written`);
  }
  if (p.policy !== undefined) {
    const g = decodePolicy(p.policy);
    provenance[RVPS_NAMES.abiMajor] = g.abiMajor;
    provenance[RVPS_NAMES.abiMinor] = g.abiMinor;
    provenance[RVPS_NAMES.singleSocket] = g.singleSocket;
    provenance[RVPS_NAMES.smtAllowed] = g.smt;
    if (g.debug) notes.push("the pinned POLICY allows DEBUG: Trustee's default policy rejects every such report");
    if (g.migrateMa) notes.push("the pinned POLICY allows MIGRATE_MA: Trustee's default policy rejects every such report");
  }
  const unnamed: string[] = [];
  if (p.hostData) unnamed.push('HOST_DATA');
  if (p.idKeyDigest) unnamed.push('ID_KEY_DIGEST');
  if (p.authorKeyDigest) unnamed.push('AUTHOR_KEY_DIGEST');
  if (p.familyId) unnamed.push('FAMILY_ID');
  if (p.imageId) unnamed.push('IMAGE_ID');
  if (p.guestSvn !== undefined) unnamed.push('GUEST_SVN');
  if (unnamed.length > 0) notes.push(`${unnamed.join(', ')}: not compared by Trustee's default policy (no reference-value name); not written`);
  const text = JSON.stringify(provenance);
  return {
    message: { version: RVPS_MESSAGE_VERSION, type: RVPS_PROVENANCE_TYPE, payload: toBase64(new TextEncoder().encode(text)) },
    provenance,
    notes,
  };
}
