/**
 * GCE launch endorsements (google/gce-tcb-verifier proto/endorsement.proto): a VMLaunchEndorsement
 * {1 serialized_uefi_golden, 2 signature} whose signed bytes are a VMGoldenMeasurement {1 timestamp,
 * 2 cl_spec, 3 commit, 4 cert (DER of the signer), 5 digest (SHA-384 of the UEFI binary), 6 ca_bundle
 * (PEM, root … last intermediate), 7 sev_snp VMSevSnp {1 svn, 2 map<VMSA count, MEASUREMENT>,
 * 3 family_id, 4 image_id, 5 policy, 6 ca_bundle, 7 svsm_measurement}, 8 tdx}. The signature is
 * RSASSA-PSS SHA-256, MGF1-SHA-256, salt 32, by a key certified by GCE-cc-tcb-root. No Google root
 * is embedded: the caller pins one (its bytes must come from pki.goog). Browser-safe.
 */
import { bytesEqual, toHex } from '../core/bytes.js';
import { inputError, SnpLaunchError } from '../core/errors.js';
import { loadCertificates, parseCertificate, type Certificate, type SignatureAlgorithm } from '../attestation/cert.js';
import { fail, pass, type Check } from '../attestation/check.js';
import type { AttestationReport } from '../attestation/report.js';
import { all, nested, one, readMessage, WIRE, type PbContext } from './protobuf.js';
import { verifySignedBy, verifyWithSpki } from './x509.js';

/** The extended report's certificate-table GUID of the launch endorsement (gce-tcb-verifier). */
export const GCE_ENDORSEMENT_GUID = '9f4116cd-c503-4f5a-8f6f-fb68882f4ce2';
/** The signature scheme of endorsements (endorsement.proto; gce-tcb-verifier sign/). */
export const GCE_SIGNATURE_ALGORITHM: SignatureAlgorithm = { oid: '1.2.840.113549.1.1.10', name: 'RSASSA-PSS', pss: { hash: 'SHA-256', mgf1Hash: 'SHA-256', saltLength: 32, trailerField: 1 } };
/** Chains longer than this are refused (root → signer is 2 in practice). */
const MAX_CHAIN = 5;

export interface GceSevSnp {
  svn: number;
  /** VMSA count → expected MEASUREMENT (48 bytes). */
  measurements: Map<number, Uint8Array>;
  familyId?: Uint8Array;
  imageId?: Uint8Array;
  policy?: bigint;
  caBundle?: Uint8Array;
  svsmMeasurement?: Uint8Array;
}

export interface GceEndorsement {
  /** The signed bytes (serialized VMGoldenMeasurement), exactly as in the file. */
  golden: Uint8Array;
  signature: Uint8Array;
  timestamp?: Date;
  clSpec?: bigint;
  commit?: Uint8Array;
  /** DER of the signing certificate. */
  cert?: Uint8Array;
  /** SHA-384 of the UEFI binary. */
  digest?: Uint8Array;
  caBundle?: Uint8Array;
  sevSnp?: GceSevSnp;
  hasTdx: boolean;
}

const bytesOf = (c: PbContext, f: ReturnType<typeof one>) => f?.bytes;

function parseSevSnp(b: Uint8Array, c: PbContext): GceSevSnp {
  const fs = readMessage(b, c);
  const out: GceSevSnp = { svn: Number(one(c, fs, 1, WIRE.VARINT, 'svn')?.int ?? 0n), measurements: new Map() };
  if (out.svn > 0xffffffff) throw inputError('BAD_GCE_ENDORSEMENT', 'svn does not fit in uint32', { file: c.file, field: `${c.what}.svn` });
  for (const entry of all(c, fs, 2, WIRE.LEN, 'measurements')) {
    const ec = nested(c, entry, 'measurements');
    const ef = readMessage(entry.bytes!, ec);
    const key = Number(one(ec, ef, 1, WIRE.VARINT, 'key')?.int ?? 0n);
    const val = one(ec, ef, 2, WIRE.LEN, 'value')?.bytes ?? new Uint8Array(0);
    const at = { file: c.file, offset: entry.offset, field: `${c.what}.measurements[${key}]` };
    if (val.length !== 48) throw inputError('BAD_GCE_ENDORSEMENT', `measurement is ${val.length} bytes, expected 48`, at);
    if (key < 1 || key > 4096) throw inputError('BAD_GCE_ENDORSEMENT', `VMSA count ${key} is out of range 1–4096`, at);
    if (out.measurements.has(key)) throw inputError('BAD_GCE_ENDORSEMENT', `VMSA count ${key} appears twice`, at);
    out.measurements.set(key, val);
  }
  const fixed = (num: number, name: 'familyId' | 'imageId', len: number) => {
    const v = bytesOf(c, one(c, fs, num, WIRE.LEN, name));
    if (v === undefined || v.length === 0) return;
    if (v.length !== len) throw inputError('BAD_GCE_ENDORSEMENT', `${name} is ${v.length} bytes, expected ${len}`, { file: c.file, field: `${c.what}.${name}` });
    out[name] = v;
  };
  fixed(3, 'familyId', 16);
  fixed(4, 'imageId', 16);
  const pol = one(c, fs, 5, WIRE.VARINT, 'policy');
  if (pol) out.policy = pol.int!;
  const ca = bytesOf(c, one(c, fs, 6, WIRE.LEN, 'ca_bundle'));
  if (ca && ca.length > 0) out.caBundle = ca;
  const svsm = bytesOf(c, one(c, fs, 7, WIRE.LEN, 'svsm_measurement'));
  if (svsm && svsm.length > 0) out.svsmMeasurement = svsm;
  return out;
}

/** Parses a VMLaunchEndorsement (binary protobuf); throws SnpLaunchError naming the field. */
export function parseGceEndorsement(b: Uint8Array, file: string): GceEndorsement {
  const top: PbContext = { file, what: 'VMLaunchEndorsement', base: 0 };
  const fs = readMessage(b, top);
  // The outer message is not signed: any field but the two known ones is refused, so every byte counts.
  const stray = fs.find((f) => f.num !== 1 && f.num !== 2);
  if (stray) throw inputError('BAD_GCE_ENDORSEMENT', `unknown field ${stray.num} in the unsigned outer message`, { file, offset: stray.offset, field: 'VMLaunchEndorsement' });
  if (fs.filter((f) => f.num === 1).length > 1 || fs.filter((f) => f.num === 2).length > 1) throw inputError('BAD_GCE_ENDORSEMENT', 'a field of the outer message appears twice', { file, field: 'VMLaunchEndorsement' });
  const goldenF = one(top, fs, 1, WIRE.LEN, 'serialized_uefi_golden');
  const sig = one(top, fs, 2, WIRE.LEN, 'signature')?.bytes;
  if (!goldenF?.bytes || goldenF.bytes.length === 0) throw inputError('BAD_GCE_ENDORSEMENT', 'serialized_uefi_golden is missing', { file, field: 'VMLaunchEndorsement.serialized_uefi_golden' });
  if (!sig || sig.length === 0) throw inputError('BAD_GCE_ENDORSEMENT', 'signature is missing', { file, field: 'VMLaunchEndorsement.signature' });
  const gc = nested(top, goldenF, 'serialized_uefi_golden');
  const gf = readMessage(goldenF.bytes, gc);
  const out: GceEndorsement = { golden: goldenF.bytes, signature: sig, hasTdx: gf.some((f) => f.num === 8) };
  const ts = one(gc, gf, 1, WIRE.LEN, 'timestamp');
  if (ts) {
    const tc = nested(gc, ts, 'timestamp');
    const tf = readMessage(ts.bytes!, tc);
    const secs = BigInt.asIntN(64, one(tc, tf, 1, WIRE.VARINT, 'seconds')?.int ?? 0n);
    const nanos = Number(one(tc, tf, 2, WIRE.VARINT, 'nanos')?.int ?? 0n);
    const ms = Number(secs) * 1000 + Math.floor(nanos / 1e6);
    if (Math.abs(ms) < 8.64e15) out.timestamp = new Date(ms);
  }
  const cl = one(gc, gf, 2, WIRE.VARINT, 'cl_spec');
  if (cl) out.clSpec = cl.int!;
  const put = (num: number, name: 'commit' | 'cert' | 'digest' | 'caBundle', label: string) => {
    const v = bytesOf(gc, one(gc, gf, num, WIRE.LEN, label));
    if (v && v.length > 0) out[name] = v;
  };
  put(3, 'commit', 'commit');
  put(4, 'cert', 'cert');
  put(5, 'digest', 'digest');
  put(6, 'caBundle', 'ca_bundle');
  if (out.digest && out.digest.length !== 48) throw inputError('BAD_GCE_ENDORSEMENT', `digest is ${out.digest.length} bytes, expected 48 (SHA-384)`, { file, field: 'VMGoldenMeasurement.digest' });
  const snp = one(gc, gf, 7, WIRE.LEN, 'sev_snp');
  if (snp) out.sevSnp = parseSevSnp(snp.bytes!, nested(gc, snp, 'sev_snp'));
  return out;
}

export interface GceVerifyOptions {
  /** The pinned root (GCE-cc-tcb-root); without it the chain check fails. */
  root?: Certificate;
  /** Time for certificate validity (default now). */
  now?: Date;
}

/** Signer → (ca_bundle intermediates) → the pinned root, every link verified. */
async function chainToRoot(signer: Certificate, bundle: Certificate[], root: Certificate, now: Date): Promise<{ ok: boolean; reason: string }> {
  const path: Certificate[] = [signer];
  let cur = signer;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    if (now < cur.notBefore || now > cur.notAfter) return { ok: false, reason: `${cur.subjectCN ?? cur.name} is not valid at ${now.toISOString()}` };
    if (bytesEqual(cur.der, root.der)) return { ok: true, reason: path.map((c) => c.subjectCN ?? c.name).join(' ← ') };
    const issuers = [root, ...bundle].filter((c) => JSON.stringify(c.subject) === JSON.stringify(cur.issuer) && c.isCa);
    let next: Certificate | undefined;
    for (const i of issuers) if (await verifySignedBy(cur, i)) (next = i);
    if (!next) return { ok: false, reason: `${cur.subjectCN ?? cur.name} is not signed by the pinned root${bundle.length > 0 ? ' or a ca_bundle certificate' : ''}` };
    if (next === cur) return { ok: false, reason: `${cur.subjectCN ?? cur.name} is self-signed but is not the pinned root` };
    path.push(next);
    cur = next;
  }
  return { ok: false, reason: `no path to the pinned root within ${MAX_CHAIN} certificates` };
}

/** "gce.chain" and "gce.signature" for a parsed endorsement. */
export async function verifyGceEndorsement(e: GceEndorsement, file: string, opts: GceVerifyOptions = {}): Promise<Check[]> {
  if (!e.cert) return [fail('gce.chain', 'the endorsement carries no signer certificate (VMGoldenMeasurement.cert)'), fail('gce.signature', 'not checked: no signer certificate')];
  let signer: Certificate;
  let bundle: Certificate[] = [];
  try {
    signer = parseCertificate(e.cert, `${file} cert`);
    if (e.caBundle) bundle = loadCertificates(e.caBundle, `${file} ca_bundle`);
  } catch (err) {
    if (err instanceof SnpLaunchError) return [fail('gce.chain', err.message), fail('gce.signature', 'not checked: the signer certificate could not be read')];
    throw err;
  }
  const checks: Check[] = [];
  const now = opts.now ?? new Date();
  if (!opts.root) checks.push(fail('gce.chain', 'no root is pinned: snp-launch embeds no Google root; pass the GCE-cc-tcb-root certificate from https://pki.goog/cloud_integrity/GCE-cc-tcb-root_1.crt (--root / --gce-root)'));
  else {
    const c = await chainToRoot(signer, bundle, opts.root, now);
    checks.push(c.ok ? pass('gce.chain', `${c.reason} (root pinned; valid at ${now.toISOString()})`) : fail('gce.chain', c.reason));
  }
  const ok = signer.publicKey.type === 'rsa' && (await verifyWithSpki(signer.spki, GCE_SIGNATURE_ALGORITHM, e.signature, e.golden));
  checks.push(ok ? pass('gce.signature', `RSASSA-PSS SHA-256 salt 32 over the ${e.golden.length}-byte VMGoldenMeasurement verifies with ${signer.subjectCN ?? 'the signer'}`) : fail('gce.signature', `the signature does not verify with ${signer.subjectCN ?? 'the signer certificate'} (RSASSA-PSS SHA-256 salt 32)`));
  return checks;
}

export interface GceReportOptions {
  /** The guest's vCPU (VMSA) count when known: its entry must match; else any entry may. */
  vcpus?: number;
}

/** "gce.measurement", "gce.family-id", "gce.image-id", "gce.policy": the report against the endorsement. */
export function gceReportChecks(r: AttestationReport, e: GceEndorsement, opts: GceReportOptions = {}): Check[] {
  const snp = e.sevSnp;
  if (!snp) return [fail('gce.measurement', 'the endorsement has no sev_snp section')];
  const out: Check[] = [];
  const m = toHex(r.measurement);
  if (opts.vcpus !== undefined) {
    const want = snp.measurements.get(opts.vcpus);
    out.push(!want ? fail('gce.measurement', `the endorsement has no entry for ${opts.vcpus} VMSAs (has ${[...snp.measurements.keys()].join(', ')})`) : bytesEqual(want, r.measurement) ? pass('gce.measurement', `MEASUREMENT = the endorsed value for ${opts.vcpus} VMSAs`) : fail('gce.measurement', `MEASUREMENT ${m} ≠ the endorsed ${toHex(want)} for ${opts.vcpus} VMSAs`));
  } else {
    const hit = [...snp.measurements].find(([, v]) => bytesEqual(v, r.measurement));
    out.push(hit ? pass('gce.measurement', `MEASUREMENT = the endorsed value for ${hit[0]} VMSAs`) : fail('gce.measurement', `MEASUREMENT ${m} is none of the ${snp.measurements.size} endorsed values (VMSA counts ${[...snp.measurements.keys()].join(', ')})`));
  }
  const id = (name: string, field: string, actual: Uint8Array, want?: Uint8Array) => {
    if (!want) return;
    out.push(bytesEqual(actual, want) ? pass(name, `${field} = ${toHex(want)}`) : fail(name, `${field} is ${toHex(actual)}, the endorsement says ${toHex(want)}`));
  };
  id('gce.family-id', 'FAMILY_ID', r.familyId, snp.familyId);
  id('gce.image-id', 'IMAGE_ID', r.imageId, snp.imageId);
  if (snp.policy !== undefined) {
    out.push(r.policy.raw === snp.policy ? pass('gce.policy', `POLICY 0x${snp.policy.toString(16)}`) : fail('gce.policy', `POLICY is 0x${r.policy.raw.toString(16)}, the endorsement says 0x${snp.policy.toString(16)}`));
  }
  return out;
}
