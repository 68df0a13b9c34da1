/**
 * Revocation of AMD intermediates (specs/attestation.md §2.1, §3): KDS publishes one CRL per
 * product and key kind, signed by the product's ARK, listing revoked ASK/ASVK serials. A CRL is
 * usable when the pinned ARK signed it (RSASSA-PSS SHA-384 / MGF1-SHA-384 / salt 48), it names the
 * ARK as its issuer, and it is current at the check time (thisUpdate ≤ at ≤ nextUpdate, RFC 5280
 * §5.1.2.4–5); the chain's intermediate must then not be listed. WebCrypto only (browser-safe).
 */
import { amdRoots, expectedCNs } from './chain.js';
import type { Certificate } from './cert.js';
import { fail, pass, type Check } from './check.js';
import { CRL_OID, type Crl } from './crl.js';
import { readRoot, value } from './der.js';
import type { ProductLine } from './product.js';
import type { VekKind } from './vek.js';
import { buf, subtle } from './webcrypto.js';
import { toHex } from '../core/bytes.js';

export interface CrlTrust {
  line: ProductLine;
  /**
   * FOR TESTS ONLY: trust this ARK instead of AMD's embedded one (tests sign CRLs with their own
   * root). The CLI never sets it, so from the command line the ARK stays pinned.
   */
  testArk?: Certificate;
}

/** The ARK a CRL must come from: the embedded AMD ARK of the product (or the test root). */
export function trustedArk(t: CrlTrust): Certificate | undefined {
  return t.testArk ?? amdRoots(t.line)?.ark;
}

/** subjectKeyIdentifier of a certificate as hex (RFC 5280 §4.2.1.2), when it has one. */
function subjectKeyId(cert: Certificate): string | undefined {
  const e = cert.extensions.get(CRL_OID.subjectKeyIdentifier);
  if (!e) return undefined;
  try {
    const n = readRoot({ name: cert.name }, e.value);
    return n.tag === 0x04 ? toHex(value(n)) : undefined;
  } catch {
    return undefined;
  }
}

/** RSASSA-PSS SHA-384 / MGF1-SHA-384 / salt 48 / trailer 1 over the TBSCertList with the ARK key. */
async function signedBy(crl: Crl, ark: Certificate): Promise<boolean> {
  const p = crl.signatureAlgorithm.pss;
  if (!p || p.hash !== 'SHA-384' || p.mgf1Hash !== 'SHA-384' || p.saltLength !== 48 || p.trailerField !== 1 || ark.publicKey.type !== 'rsa') return false;
  try {
    const key = await subtle().importKey('spki', buf(ark.spki), { name: 'RSA-PSS', hash: 'SHA-384' }, false, ['verify']);
    return await subtle().verify({ name: 'RSA-PSS', saltLength: 48 }, key, buf(crl.signature), buf(crl.tbs));
  } catch {
    return false;
  }
}

/**
 * Why a CRL is not an authentic CRL of this product's ARK (issuer, AKI, algorithm, signature),
 * or undefined when it is. Time is not considered here (see crlCurrency).
 */
export async function crlAuthenticityProblem(crl: Crl, t: CrlTrust): Promise<string | undefined> {
  const ark = trustedArk(t);
  if (!ark) return `no AMD root certificate is embedded for ${t.line}`;
  const want = ark.subjectCN ?? expectedCNs(t.line, 'VCEK').ark;
  if (JSON.stringify(crl.issuer) !== JSON.stringify(ark.subject)) return `${crl.name}: issued by '${crl.issuerCN ?? '?'}', not by ${want}`;
  const ski = subjectKeyId(ark);
  if (crl.authorityKeyId !== undefined && ski !== undefined && crl.authorityKeyId !== ski) return `${crl.name}: authorityKeyIdentifier ${crl.authorityKeyId} is not ${want}'s key identifier ${ski}`;
  if (crl.signatureAlgorithm.name !== 'RSASSA-PSS') return `${crl.name}: signature algorithm ${crl.signatureAlgorithm.name}, expected RSASSA-PSS SHA-384/MGF1-SHA-384/salt 48`;
  if (!(await signedBy(crl, ark))) return `${crl.name}: the signature does not verify with ${want} (RSASSA-PSS SHA-384, salt 48)`;
  return undefined;
}

/** Why a CRL is not current at `at` (thisUpdate ≤ at ≤ nextUpdate), or undefined. */
export function crlCurrencyProblem(crl: Crl, at: Date): string | undefined {
  if (at < crl.thisUpdate) return `${crl.name}: not valid before its thisUpdate ${crl.thisUpdate.toISOString()} (checked at ${at.toISOString()})`;
  if (at > crl.nextUpdate) return `${crl.name}: out of date since its nextUpdate ${crl.nextUpdate.toISOString()} (checked at ${at.toISOString()})`;
  return undefined;
}

export interface RevocationInput extends CrlTrust {
  /** The CRLs to use; every one must be authentic and current. */
  crls: Crl[];
  /** The chain's intermediate (ASK for VCEKs, ASVK for VLEKs). */
  intermediate: Certificate;
  kind: VekKind;
  /** Time of the check (the verdict's --at). */
  at: Date;
  /** Where the CRLs came from, for the reason text ("--crl", "KDS cache", a URL). */
  source?: string;
}

const NAME = 'revocation';

/** "revocation": the intermediate's serial is on none of the (authentic, current) CRLs. */
export async function checkRevocation(input: RevocationInput): Promise<Check> {
  if (input.crls.length === 0) return fail(NAME, `no CRL for ${input.line} is at hand (give --crl FILE, or --fetch to get ${input.kind === 'VCEK' ? 'vcek' : 'vlek'}/v1/${input.line}/crl from KDS)`);
  for (const crl of input.crls) {
    const problem = (await crlAuthenticityProblem(crl, input)) ?? crlCurrencyProblem(crl, input.at);
    if (problem) return fail(NAME, problem);
  }
  const inter = input.intermediate;
  const what = `${inter.subjectCN ?? inter.name} (serial 0x${inter.serial})`;
  for (const crl of input.crls) {
    const hit = crl.revoked.find((e) => e.serial === inter.serial);
    if (hit) return fail(NAME, `${what} is REVOKED since ${hit.revocationDate.toISOString()} (${crl.name}, CRL #${crl.crlNumber ?? '?'})`);
  }
  const c = input.crls[0]!;
  const listed = input.crls.reduce((n, x) => n + x.revoked.length, 0);
  return pass(NAME, `${what} is not revoked: ${c.issuerCN ?? 'ARK'} CRL #${c.crlNumber ?? '?'} (${c.thisUpdate.toISOString()} .. ${c.nextUpdate.toISOString()}, ${listed} revoked serial(s)${input.source ? `, from ${input.source}` : ''})`);
}

/**
 * The intermediate a chain check uses (the one verifyChain picks): the supplied certificate with
 * the expected subject CN, else the embedded ASK/ASVK of the product.
 */
export function chainIntermediate(line: ProductLine, kind: VekKind, chain?: Certificate[]): Certificate | undefined {
  const cn = expectedCNs(line, kind).intermediate;
  const given = chain?.find((c) => c.subjectCN === cn);
  if (given) return given;
  const roots = amdRoots(line);
  return roots ? (kind === 'VCEK' ? roots.ask : roots.asvk) : undefined;
}
