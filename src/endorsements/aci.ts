/**
 * Azure Container Instances (confidential containers) UVM endorsements ("reference info"): a
 * COSE_Sign1 whose x5chain leads to the Microsoft Supply Chain RSA Root CA 2022, whose issuer is a
 * did:x509 naming that root and an EKU, whose feed names the UVM line, and whose JSON payload says
 * the UVM's launch MEASUREMENT and minimum GUEST_SVN. Checked as microsoft/CCF
 * (src/node/uvm_endorsements.cpp) and hcsshim do; docs/endorsements.md. Browser-safe.
 */
import { decode } from 'cbor2';
import { describeCbor } from '../core/cbor.js';
import { fromBase64, fromHex, toHex, bytesEqual } from '../core/bytes.js';
import { SnpLaunchError } from '../core/errors.js';
import { parseCertificate, type Certificate } from '../attestation/cert.js';
import { fail, pass, type Check } from '../attestation/check.js';
import type { AttestationReport } from '../attestation/report.js';
import { sha256 } from '../core/hash.js';
import { COSE_LABEL, coseAlgName, coseX5Chain, decodeCoseSign1, verifyCoseSign1, type CoseSign1 } from './cose.js';
import { chainMatchesDid, parseDidX509 } from './did-x509.js';
import { verifyLeafFirstChain } from './x509.js';
import { timestampCheck } from './rfc3161.js';

/**
 * The issuer and feed Microsoft signs ACI UVMs with: microsoft/CCF's tests and
 * microsoft/TEE-Attestation-Verification pin this DID (fingerprint = base64url SHA-256 of the
 * Microsoft Supply Chain RSA Root CA 2022; EKU 1.3.6.1.4.1.311.76.59.1.2, "ContainerPlat UVM").
 */
export const ACI_UVM_DID = 'did:x509:0:sha256:I__iuL25oXEVFdTP_aBLx_eT1RPHbCQ_ECBQfYZpt9s::eku:1.3.6.1.4.1.311.76.59.1.2';
export const ACI_UVM_FEED = 'ContainerPlat-AMD-UVM';

/** Payload keys (CCF UVMEndorsementsPayload). */
const SVN_KEY = 'x-ms-sevsnpvm-guestsvn';
const MEASUREMENT_KEY = 'x-ms-sevsnpvm-launchmeasurement';
/** CWT claims (RFC 9597; label 15) used by newer, SCITT-style endorsements: 1 iss, 2 sub (= feed). */
const CWT_ISS = 1;
const CWT_SUB = 2;

export interface UvmEndorsement {
  cose: CoseSign1;
  chain: Certificate[];
  issuer?: string;
  feed?: string;
  signingTime?: Date;
  /** The payload's values. */
  guestSvn: number;
  measurement: Uint8Array;
}

/**
 * True when the bytes are a COSE_Sign1 (binary, or base64 text of one) with a JSON payload, i.e. a
 * UVM endorsement rather than another COSE document such as a signed CoRIM (application/rim+cbor).
 */
export function looksLikeUvmEndorsement(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 8)).trim();
  if (!(bytes[0] === 0xd2 && bytes[1] === 0x84) && !head.startsWith('0oR')) return false;
  // Only the protected header decides, so a cut or damaged endorsement is still named as one (and
  // its parse error says what is wrong) instead of being taken for a signed CoRIM.
  const b = uvmEndorsementBytes(bytes);
  if (b[0] !== 0xd2 || b[1] !== 0x84 || b[2] === undefined || b[2] >> 5 !== 2) return false;
  const ai = b[2] & 0x1f;
  const width = ai < 24 ? 0 : ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : -1;
  if (width < 0 || b.length < 3 + width) return false;
  let len = ai < 24 ? ai : 0;
  for (let i = 0; i < width; i++) len = len * 256 + b[3 + i]!;
  const start = 3 + width;
  if (b.length < start + len) {
    // Cut inside the protected header (it holds the x5chain, ~5 KB): look for content type 3 =
    // text(16) "application/json" among the bytes that are there.
    const needle = [0x03, 0x70, ...new TextEncoder().encode('application/json')];
    const hay = b.subarray(start);
    for (let i = 0; i + needle.length <= hay.length; i++) if (needle.every((x, j) => hay[i + j] === x)) return true;
    return false;
  }
  try {
    const h = decode(b.subarray(start, start + len), { preferMap: true });
    return h instanceof Map && h.get(COSE_LABEL.CONTENT_TYPE) === 'application/json';
  } catch {
    return false;
  }
}

/** Raw bytes of an endorsement given as binary or as (standard or url-safe) base64 text. */
export function uvmEndorsementBytes(bytes: Uint8Array): Uint8Array {
  if (bytes[0] === 0xd2) return bytes;
  const t = new TextDecoder().decode(bytes).replace(/\s+/g, '');
  return fromBase64(/[-_]/.test(t) ? t.replace(/-/g, '+').replace(/_/g, '/') : t) ?? bytes;
}

/** Decodes the endorsement; throws SnpLaunchError naming the field on anything malformed. */
export function parseUvmEndorsement(input: Uint8Array, file: string): UvmEndorsement {
  const cose = decodeCoseSign1(uvmEndorsementBytes(input), file);
  const bad = (field: string, why: string) => new SnpLaunchError('BAD_UVM_ENDORSEMENT', why, { file, field });
  // The unprotected header is not signed: only the RFC 3161 countersignature Microsoft adds may be there.
  for (const k of cose.unprotectedHeader.keys()) if (k !== 'timestamp') throw bad('unprotected', `has header ${describeCbor(k)}; only "timestamp" is expected`);
  const cty = cose.protectedHeader.get(COSE_LABEL.CONTENT_TYPE);
  if (cty !== 'application/json') throw bad('protected.content_type', `is ${describeCbor(cty)}, expected "application/json"`);
  const chain = coseX5Chain(cose, file).map((d, i) => parseCertificate(d, `${file} x5chain[${i}]`));
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(cose.payload));
  } catch {
    throw bad('payload', 'is not UTF-8 JSON');
  }
  if (typeof doc !== 'object' || doc === null) throw bad('payload', 'is not a JSON object');
  const o = doc as Record<string, unknown>;
  const svnText = o[SVN_KEY];
  const mText = o[MEASUREMENT_KEY];
  if (typeof svnText !== 'string' || !/^\d{1,9}$/.test(svnText)) throw bad(`payload.${SVN_KEY}`, 'must be a decimal string');
  const measurement = typeof mText === 'string' ? fromHex(mText) : undefined;
  if (!measurement || measurement.length !== 48) throw bad(`payload.${MEASUREMENT_KEY}`, 'must be 96 hex digits (48 bytes)');
  const cwt = cose.protectedHeader.get(COSE_LABEL.CWT_CLAIMS);
  const claims = cwt instanceof Map ? cwt : new Map();
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const e: UvmEndorsement = { cose, chain, guestSvn: Number(svnText), measurement };
  const iss = str(cose.protectedHeader.get('iss')) ?? str(claims.get(CWT_ISS));
  const feed = str(cose.protectedHeader.get('feed')) ?? str(claims.get(CWT_SUB));
  const t = cose.protectedHeader.get('signingtime');
  if (iss !== undefined) e.issuer = iss;
  if (feed !== undefined) e.feed = feed;
  if (t instanceof Date) e.signingTime = t;
  return e;
}

export interface UvmCheckOptions {
  /** Required issuer DID (default ACI_UVM_DID). */
  did?: string;
  /** Required feed (default ACI_UVM_FEED). */
  feed?: string;
  /** Time for certificate validity when the endorsement has no signing time (default now). */
  now?: Date;
  /** Minimum endorsed SVN ("uvm.svn"); none by default. */
  minSvn?: number;
}

/**
 * Verifies an endorsement: "uvm.signature", "uvm.chain", "uvm.issuer", "uvm.feed". A malformed
 * endorsement yields one failing "uvm.format" check (never throws for bad input).
 */
export async function verifyUvmEndorsement(input: Uint8Array, file: string, opts: UvmCheckOptions = {}): Promise<{ checks: Check[]; endorsement?: UvmEndorsement }> {
  let e: UvmEndorsement;
  try {
    e = parseUvmEndorsement(input, file);
  } catch (err) {
    if (err instanceof SnpLaunchError) return { checks: [fail('uvm.format', err.message)] };
    throw err;
  }
  const checks: Check[] = [];
  const leaf = e.chain[0]!;
  const alg = coseAlgName(e.cose.alg);
  const supported = e.cose.alg === -38 || e.cose.alg === -35 || e.cose.alg === -37 || e.cose.alg === -39 || e.cose.alg === -7;
  const sigOk = supported && (await verifyCoseSign1(e.cose, leaf));
  checks.push(sigOk ? pass('uvm.signature', `COSE_Sign1 ${alg} verifies with ${leaf.subjectCN ?? 'the x5chain leaf'}`) : fail('uvm.signature', supported ? `the COSE_Sign1 ${alg} signature does not verify with the x5chain leaf (${leaf.subjectCN ?? '?'})` : `${alg} is not supported (PS256/384/512, ES256/384)`));

  // x5t (RFC 9360 §2), when present, must name the leaf: [-16 (SHA-256), hash].
  const x5t = e.cose.protectedHeader.get(COSE_LABEL.X5T);
  const x5tOk = x5t === undefined || (Array.isArray(x5t) && x5t[0] === -16 && x5t[1] instanceof Uint8Array && bytesEqual(x5t[1], sha256(leaf.der)));
  // UVM endorsements outlive their leaf certificates (one year): as CCF does, validity is judged at the signing time.
  const at = e.signingTime ?? opts.now ?? new Date();
  const chain = await verifyLeafFirstChain(e.chain, at);
  if (!x5tOk) checks.push(fail('uvm.chain', 'x5t does not name the x5chain leaf (SHA-256)'));
  else checks.push(chain.ok ? pass('uvm.chain', `${chain.reason} (valid at ${e.signingTime ? 'the signing time ' : ''}${at.toISOString()})`) : fail('uvm.chain', chain.reason));

  const want = opts.did ?? ACI_UVM_DID;
  const parsed = parseDidX509(e.issuer ?? '');
  if (e.issuer === undefined) checks.push(fail('uvm.issuer', 'the endorsement names no issuer (protected "iss" or CWT claim 1)'));
  else if (e.issuer !== want) checks.push(fail('uvm.issuer', `issuer is ${e.issuer}, expected ${want}`));
  else if (!parsed.did) checks.push(fail('uvm.issuer', parsed.error!));
  else {
    let m: { ok: boolean; reason: string };
    try {
      m = chainMatchesDid(e.chain, parsed.did);
    } catch (err) {
      if (!(err instanceof SnpLaunchError)) throw err;
      m = { ok: false, reason: err.message };
    }
    checks.push(m.ok ? pass('uvm.issuer', `${e.issuer}: ${m.reason}`) : fail('uvm.issuer', `${e.issuer}: ${m.reason}`));
  }
  // The unsigned RFC 3161 countersignature, verified on its own so that no byte goes unchecked.
  const ts = await timestampCheck(e.cose.unprotectedHeader.get('timestamp'), e.cose.signature, file);
  if (ts) checks.push(ts);
  const feed = opts.feed ?? ACI_UVM_FEED;
  checks.push(e.feed === feed ? pass('uvm.feed', `feed ${feed}`) : fail('uvm.feed', `feed is ${e.feed === undefined ? 'absent' : JSON.stringify(e.feed)}, expected ${feed}`));
  return { checks, endorsement: e };
}

/**
 * "uvm.measurement": MEASUREMENT = the endorsed launch measurement; "uvm.svn" when a minimum is
 * given: the endorsed SVN ≥ it. The endorsed SVN is the UVM's security version on Microsoft's scale,
 * compared with a verifier's minimum as CCF does (its UVM roots of trust), not with the report's
 * GUEST_SVN: that comes from the UVM's ID block and is numbered differently (the real capture in
 * shared/vectors/aci has GUEST_SVN 2 under an endorsement of SVN 101).
 */
export function uvmReportChecks(r: Pick<AttestationReport, 'measurement' | 'guestSvn'>, e: Pick<UvmEndorsement, 'measurement' | 'guestSvn'>, minSvn?: number): Check[] {
  const out = [
    bytesEqual(r.measurement, e.measurement)
      ? pass('uvm.measurement', `MEASUREMENT = the endorsed launch measurement ${toHex(e.measurement)} (endorsed SVN ${e.guestSvn}; report GUEST_SVN ${r.guestSvn})`)
      : fail('uvm.measurement', `MEASUREMENT is ${toHex(r.measurement)}, the endorsement says ${toHex(e.measurement)}`),
  ];
  if (minSvn !== undefined) out.push(e.guestSvn >= minSvn ? pass('uvm.svn', `endorsed SVN ${e.guestSvn} ≥ ${minSvn}`) : fail('uvm.svn', `endorsed SVN ${e.guestSvn} is below the minimum ${minSvn}`));
  return out;
}

/** Endorsement + report in one call (library and explorer). */
export async function checkReportWithUvmEndorsement(r: AttestationReport, input: Uint8Array, file: string, opts: UvmCheckOptions = {}): Promise<Check[]> {
  const v = await verifyUvmEndorsement(input, file, opts);
  return v.endorsement ? [...v.checks, ...uvmReportChecks(r, v.endorsement, opts.minSvn)] : [...v.checks, fail('uvm.measurement', 'not checked: the endorsement could not be read')];
}
