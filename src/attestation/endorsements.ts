/**
 * Getting a report's endorsements from AMD's Key Distribution Service (specs/attestation.md §3;
 * AMD 57230): the VCEK for the chip and REPORTED_TCB, the cert_chain (ASK/ASVK + ARK) and the CRL.
 * The library never opens a connection: the caller injects a `fetch` (Node's fetch with retries
 * at the edge, src/node/kds-http.ts) and a `store` (the on-disk cache, src/node/kds-cache.ts).
 * Everything that comes back is validated before it is used or stored; a response that is not
 * what was asked for is an error naming its URL.
 */
import { bytesEqual } from '../core/bytes.js';
import { inputError } from '../core/errors.js';
import { loadCertificates, type Certificate } from './cert.js';
import { expectedCNs, verifyCertSignature } from './chain.js';
import { loadCrls, type Crl } from './crl.js';
import { certChainUrl, crlUrl, KDS_BASE, vcekUrl } from './kds.js';
import type { ProductLine } from './product.js';
import type { AttestationReport } from './report.js';
import { crlAuthenticityProblem, trustedArk, type CrlTrust } from './revocation.js';
import { formatTcb, tcbDiff } from './tcb.js';
import { parseVek, type VekKind } from './vek.js';

/** Bytes of a URL from the network; rejects (with a located SnpLaunchError) when it cannot. */
export type KdsFetcher = (url: string) => Promise<Uint8Array>;

/** A local store of earlier responses, keyed by URL (the cache). */
export interface KdsStore {
  get(url: string): Promise<Uint8Array | undefined>;
  put(url: string, bytes: Uint8Array): Promise<void>;
}

export interface KdsAccess extends CrlTrust {
  /** KDS base URL (a mirror or proxy); default https://kdsintf.amd.com. */
  base?: string;
  /** Absent: offline (only the store is read). */
  fetch?: KdsFetcher;
  store?: KdsStore;
}

export interface Obtained<T> {
  value: T;
  url: string;
  from: 'cache' | 'network';
}

/** A KDS URL under `base` instead of AMD's (the path and query stay KDS's). */
export function atBase(url: string, base = KDS_BASE): string {
  return base.replace(/\/+$/, '') + url.slice(KDS_BASE.length);
}

const badResponse = (url: string, reason: string) => inputError('KDS_BAD_RESPONSE', reason, { file: url });

/**
 * The value for `url`: from the store when it decodes and is still good, else from the network
 * (decoded, then stored). Undefined when neither has it and fetching is off.
 */
async function obtain<T>(url: string, a: KdsAccess, decode: (bytes: Uint8Array, url: string) => Promise<T>, good: (v: T) => boolean = () => true): Promise<Obtained<T> | undefined> {
  const cached = await a.store?.get(url);
  if (cached) {
    try {
      const value = await decode(cached, url);
      if (good(value)) return { value, url, from: 'cache' };
    } catch {
      // A damaged or foreign cache entry is ignored (and replaced when fetching).
    }
  }
  if (!a.fetch) return undefined;
  const bytes = await a.fetch(url);
  const value = await decode(bytes, url);
  await a.store?.put(url, bytes);
  return { value, url, from: 'network' };
}

/** The VCEK URL for a report, or an error saying why there is none (VLEK, masked CHIP_ID). */
export function vcekUrlFor(report: AttestationReport, line: ProductLine, base?: string): string {
  if (report.signerInfo.signingKey === 'VLEK') throw inputError('KDS_VLEK', 'the report is signed by a VLEK: VLEKs come from the host (the extended report\'s certificate table; pass it with --cert), KDS serves them only with cloud-provider credentials', { field: 'SIGNER_INFO' });
  if (report.signerInfo.signingKey !== 'VCEK') throw inputError('KDS_NO_KEY', `the report's SIGNING_KEY is ${report.signerInfo.signingKey}: no key to download`, { field: 'SIGNER_INFO' });
  const url = vcekUrl(line, report.chipId, report.reportedTcb);
  if (!url) throw inputError('KDS_CHIP_ID_MASKED', 'CHIP_ID is all zero (masked by the host): no VCEK can be requested; pass the VCEK from the host with --cert', { field: 'CHIP_ID' });
  return atBase(url, base);
}

/** Checks that a certificate is the VCEK of this report's chip and REPORTED_TCB. */
function vcekMatches(cert: Certificate, report: AttestationReport, line: ProductLine, url: string): void {
  const vek = parseVek(cert);
  if (vek.kind !== 'VCEK') throw badResponse(url, `is a ${vek.kind}, not a VCEK`);
  if (vek.productLine && vek.productLine !== line) throw badResponse(url, `is a VCEK for ${vek.productName}, not ${line}`);
  const n = vek.hwId?.length ?? 0;
  if (!vek.hwId || !bytesEqual(vek.hwId, report.chipId.subarray(0, n))) throw badResponse(url, 'is a VCEK for another chip (hwID ≠ the report\'s CHIP_ID)');
  const diff = tcbDiff(report.reportedTcb, vek.tcb);
  if (diff.length > 0) throw badResponse(url, `is a VCEK for TCB ${formatTcb(vek.tcb)}, not the report's REPORTED_TCB ${formatTcb(report.reportedTcb)} (differ in ${diff.join(', ')})`);
}

/** The report's VCEK (store, then KDS); validated against the chip and REPORTED_TCB. */
export async function obtainVcek(report: AttestationReport, line: ProductLine, a: KdsAccess): Promise<Obtained<Certificate> | undefined> {
  const url = vcekUrlFor(report, line, a.base);
  return obtain(url, a, async (bytes, u) => {
    const certs = loadCertificates(bytes, u);
    if (certs.length !== 1 || certs[0]!.isCa) throw badResponse(u, `holds ${certs.length} certificate(s)${certs[0]?.isCa ? ' (a CA)' : ''}, expected one VCEK`);
    vcekMatches(certs[0]!, report, line, u);
    return certs[0]!;
  });
}

/** cert_chain: [ASK or ASVK, ARK] in KDS's order; the ARK must be the pinned one and sign the intermediate. */
export async function obtainCertChain(line: ProductLine, kind: VekKind, a: KdsAccess): Promise<Obtained<Certificate[]> | undefined> {
  const url = atBase(certChainUrl(line, kind), a.base);
  const ark = trustedArk(a);
  if (!ark) throw inputError('KDS_NO_ROOT', `no AMD root certificate is embedded for ${line}`, { field: 'product' });
  return obtain(url, a, async (bytes, u) => {
    const certs = loadCertificates(bytes, u);
    const cn = expectedCNs(line, kind);
    if (certs.length !== 2) throw badResponse(u, `holds ${certs.length} certificate(s), expected 2 (${cn.intermediate}, then ${cn.ark})`);
    const [inter, root] = certs as [Certificate, Certificate];
    if (!bytesEqual(root.der, ark.der)) throw badResponse(u, `its second certificate ('${root.subjectCN ?? '?'}') is not AMD's ${cn.ark} (roots are pinned)`);
    if (inter.subjectCN !== cn.intermediate) throw badResponse(u, `its first certificate is '${inter.subjectCN ?? '?'}', expected '${cn.intermediate}'`);
    if (!(await verifyCertSignature(inter, root))) throw badResponse(u, `${cn.intermediate} is not signed by ${cn.ark}`);
    return certs;
  });
}

/**
 * The product's CRL for a key kind: authentic (issuer, ARK signature) whether cached or fetched;
 * a cached one is reused while `at` ≤ its nextUpdate, after that it is fetched again (when
 * fetching is on; otherwise the stale one is returned so that the verdict can say why).
 */
export async function obtainCrl(line: ProductLine, kind: VekKind, a: KdsAccess, at: Date): Promise<Obtained<Crl> | undefined> {
  const url = atBase(crlUrl(line, kind), a.base);
  const decode = async (bytes: Uint8Array, u: string) => {
    const crls = loadCrls(bytes, u);
    if (crls.length !== 1) throw badResponse(u, `holds ${crls.length} CRLs, expected 1`);
    const problem = await crlAuthenticityProblem(crls[0]!, a);
    if (problem) throw badResponse(u, problem.startsWith(u) ? problem.slice(u.length + 2) : problem);
    return crls[0]!;
  };
  const fresh = await obtain(url, a, decode, (c) => at <= c.nextUpdate);
  if (fresh || a.fetch) return fresh;
  // Offline with only an out-of-date copy: hand it back; the revocation check names its nextUpdate.
  return obtain(url, { ...a, fetch: undefined }, decode);
}
