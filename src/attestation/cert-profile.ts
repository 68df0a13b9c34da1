/**
 * AMD's KDS certificate profile (AMD 57230 "VCEK/VLEK certificate and KDS interface"; the checks
 * go-sev-guest makes in verify.go validateAmdLocation / validateRootX509 / validateKDSCertSubject /
 * validateCRLlink, plus Go x509's refusal of unhandled critical extensions). Decides whether the
 * VCEK/VLEK, its intermediate (ASK/ASVK) and the ARK look like what KDS issues; signatures are
 * chain.ts's business.
 */
import { OID, type Certificate } from './cert.js';
import { fail, pass, type Check } from './check.js';
import { crlUrl } from './kds.js';
import type { ProductLine } from './product.js';
import type { VekKind } from './vek.js';

/** Subject/issuer attributes every KDS certificate carries exactly once (57230; go-sev-guest). */
export const AMD_LOCATION: readonly (readonly [string, string, string])[] = [
  ['2.5.4.6', 'C', 'US'],
  ['2.5.4.7', 'L', 'Santa Clara'],
  ['2.5.4.8', 'ST', 'CA'],
  ['2.5.4.10', 'O', 'Advanced Micro Devices'],
  ['2.5.4.11', 'OU', 'Engineering'],
];

/** Extensions whose meaning snp-launch knows; any other one marked critical is refused (RFC 5280 §4.2). */
const HANDLED_EXTENSIONS = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.crlDistributionPoints,
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.35', // authorityKeyIdentifier
]);
const AMD_EXTENSION_PREFIX = '1.3.6.1.4.1.3704.1.';

/** Critical extensions this verifier does not interpret (Go: UnhandledCriticalExtension). */
export function unhandledCriticalExtensions(cert: Certificate): string[] {
  return [...cert.extensions].filter(([oid, e]) => e.critical && !HANDLED_EXTENSIONS.has(oid) && !oid.startsWith(AMD_EXTENSION_PREFIX)).map(([oid]) => oid);
}

/** Location problems of one name ("subject"/"issuer"), empty when it is AMD's. */
function locationProblems(name: [string, string][], role: string): string[] {
  const out: string[] = [];
  for (const [oid, short, want] of AMD_LOCATION) {
    const vals = name.filter(([o]) => o === oid).map(([, v]) => v);
    if (vals.length !== 1) out.push(`${role} has ${vals.length} ${short} attribute(s), expected 1 (${short}=${want})`);
    else if (vals[0] !== want) out.push(`${role} ${short} is '${vals[0]}', expected '${want}'`);
  }
  return out;
}

export interface ProfileInput {
  vek: Certificate;
  kind: VekKind;
  intermediate: Certificate;
  ark: Certificate;
  line: ProductLine;
}

/** Every profile problem of the three certificates (empty when all hold). */
export function profileProblems(p: ProfileInput): string[] {
  const out: string[] = [];
  const interRole = p.kind === 'VCEK' ? 'ASK' : 'ASVK';
  const roles: [Certificate, string][] = [[p.vek, p.kind], [p.intermediate, interRole], [p.ark, 'ARK']];
  const cn = p.vek.subjectCN;
  if (cn !== 'SEV-VCEK' && cn !== 'SEV-VLEK') out.push(`${p.kind} subject CN is '${cn ?? ''}', expected 'SEV-VCEK' or 'SEV-VLEK'`);
  else if (cn !== `SEV-${p.kind}`) out.push(`subject CN is '${cn}' but the certificate is used as a ${p.kind}`);
  for (const [cert, role] of roles) {
    if (cert.version !== 3) out.push(`${role} is X.509 version ${cert.version}, expected 3`);
    out.push(...locationProblems(cert.subject, `${role} subject`), ...locationProblems(cert.issuer, `${role} issuer`));
    const crit = unhandledCriticalExtensions(cert);
    if (crit.length > 0) out.push(`${role} has unknown critical extension(s) ${crit.join(', ')}`);
  }
  // go-sev-guest validateCRLlink: ARK and ASK point at /vcek/v1/<P>/crl, the ASVK at /vlek/v1/<P>/crl.
  for (const [cert, role, kind] of [[p.intermediate, interRole, p.kind], [p.ark, 'ARK', 'VCEK']] as const) {
    const want = crlUrl(p.line, kind);
    const uris = cert.crlUris;
    if (uris.length !== 1) out.push(`${role} has ${uris.length} CRL distribution point(s), expected 1 (${want})`);
    else if (uris[0] !== want) out.push(`${role} CRL distribution point is '${uris[0]}', expected '${want}'`);
    if (cert.keyCertSign === false) out.push(`${role} keyUsage does not allow certificate signing`);
  }
  return out;
}

/** "certificate-profile": the KDS profile of VCEK/VLEK, intermediate and ARK. */
export function profileCheck(p: ProfileInput): Check {
  const problems = profileProblems(p);
  if (problems.length > 0) return fail('certificate-profile', problems.join('; '));
  return pass('certificate-profile', `CN ${p.vek.subjectCN}, AMD location, no unknown critical extension, KDS CRL URLs`);
}
