/**
 * AMD certificate chains (specs/attestation.md §2.1): VCEK ← ASK ← ARK and VLEK ← ASVK ← ARK, all
 * signed with RSASSA-PSS SHA-384 / MGF1-SHA-384 / salt 48 (RFC 4055), verified with WebCrypto.
 * The ARK is pinned: it must be byte-identical to the embedded AMD ARK of the product.
 */
import { bytesEqual, fromBase64 } from '../core/bytes.js';
import { AMD_ROOTS_B64 } from './amd-roots.js';
import { parseCertificate, type Certificate } from './cert.js';
import { profileCheck } from './cert-profile.js';
import { fail, pass, type Check } from './check.js';
import type { ProductLine } from './product.js';
import type { VekKind } from './vek.js';
import { buf, subtle } from './webcrypto.js';

export interface AmdChainCerts {
  ark: Certificate;
  ask: Certificate;
  asvk: Certificate;
}

const cache = new Map<string, AmdChainCerts>();

/** The embedded AMD ARK/ASK/ASVK of a product line (undefined for lines without embedded roots). */
export function amdRoots(line: ProductLine): AmdChainCerts | undefined {
  if (line !== 'Milan' && line !== 'Genoa' && line !== 'Turin') return undefined;
  let c = cache.get(line);
  if (!c) {
    const set = AMD_ROOTS_B64[line];
    const p = (b64: string, what: string) => parseCertificate(fromBase64(b64)!, `embedded ${what}-${line}`);
    c = { ark: p(set.ark, 'ARK'), ask: p(set.ask, 'ASK'), asvk: p(set.asvk, 'ASVK') };
    cache.set(line, c);
  }
  return c;
}

/** Expected subject CNs (§2.1, go-sev-guest verify.go). */
export function expectedCNs(line: ProductLine, kind: VekKind): { ark: string; intermediate: string; vek: string } {
  return { ark: `ARK-${line}`, intermediate: kind === 'VCEK' ? `SEV-${line}` : `SEV-VLEK-${line}`, vek: `SEV-${kind}` };
}

/** True when the certificate's signature algorithm is exactly AMD's RSASSA-PSS profile. */
export function isAmdPss(c: Certificate): boolean {
  const p = c.signatureAlgorithm.pss;
  return p !== undefined && p.hash === 'SHA-384' && p.mgf1Hash === 'SHA-384' && p.saltLength === 48 && p.trailerField === 1;
}

/**
 * Verifies `child`'s signature with `issuer`'s RSA key (RSASSA-PSS SHA-384, salt 48). Resolves
 * false on any mismatch (wrong algorithm, non-RSA issuer key, bad signature), never throws for them.
 */
export async function verifyCertSignature(child: Certificate, issuer: Certificate): Promise<boolean> {
  if (!isAmdPss(child) || issuer.publicKey.type !== 'rsa') return false;
  try {
    const key = await subtle().importKey('spki', buf(issuer.spki), { name: 'RSA-PSS', hash: 'SHA-384' }, false, ['verify']);
    return await subtle().verify({ name: 'RSA-PSS', saltLength: 48 }, key, buf(child.signature), buf(child.tbs));
  } catch {
    return false;
  }
}

export interface ChainOptions {
  /** User-supplied intermediate and/or ARK (e.g. a KDS cert_chain file); default: the embedded ones. */
  chain?: Certificate[];
  /** Time for the validity checks. */
  now: Date;
  /**
   * Roots to trust instead of the embedded AMD ones, per product line (go-sev-guest
   * Options.TrustedRoots). For tests that sign with a test ARK and for private PKIs; the CLI never
   * sets it, so `report verify` always pins AMD's ARK.
   */
  trustedRoots?: Partial<Record<ProductLine, AmdChainCerts>>;
}

/** Same distinguished name (attribute order and values), as X.509 name chaining requires (RFC 5280 §6.1). */
const sameName = (a: [string, string][], b: [string, string][]): boolean => JSON.stringify(a) === JSON.stringify(b);

export interface ChainResult {
  checks: Check[];
  /** The intermediate (ASK or ASVK) and ARK used. */
  intermediate?: Certificate;
  ark?: Certificate;
}

/** Checks "certificate-chain", "certificate-profile" and "certificate-validity" for a VCEK/VLEK of the given product. */
export async function verifyChain(vek: Certificate, kind: VekKind, line: ProductLine, opts: ChainOptions): Promise<ChainResult> {
  const NAME = 'certificate-chain';
  const roots = opts.trustedRoots?.[line] ?? amdRoots(line);
  if (!roots) return { checks: [fail(NAME, `no AMD root certificate is embedded for ${line}`)] };
  const cn = expectedCNs(line, kind);
  let ark = roots.ark;
  let inter = kind === 'VCEK' ? roots.ask : roots.asvk;
  if (opts.chain && opts.chain.length > 0) {
    const arks = opts.chain.filter((c) => c.subjectCN?.startsWith('ARK-'));
    const inters = opts.chain.filter((c) => !c.subjectCN?.startsWith('ARK-'));
    for (const a of arks) {
      if (!bytesEqual(a.der, roots.ark.der)) {
        return { checks: [fail(NAME, `${a.name}: the supplied ARK (CN ${a.subjectCN}) is not AMD's ${cn.ark} (roots are pinned)`)] };
      }
    }
    if (arks[0]) ark = arks[0];
    if (inters.length > 0) {
      const match = inters.find((c) => c.subjectCN === cn.intermediate);
      if (!match) {
        return { checks: [fail(NAME, `the supplied chain has no ${kind === 'VCEK' ? 'ASK' : 'ASVK'} '${cn.intermediate}' (found ${inters.map((c) => `'${c.subjectCN ?? '?'}'`).join(', ')})`)] };
      }
      inter = match;
    }
  }
  const profile = profileCheck({ vek, kind, intermediate: inter, ark, line });
  const failed = (reason: string): ChainResult => ({ checks: [fail(NAME, reason), profile], intermediate: inter, ark });
  if (vek.issuerCN !== cn.intermediate) return failed(`${kind} issuer CN is '${vek.issuerCN ?? ''}', expected '${cn.intermediate}' for ${line}`);
  if (!isAmdPss(vek)) return failed(`${kind} signature algorithm is ${vek.signatureAlgorithm.name}, expected RSASSA-PSS SHA-384/MGF1-SHA-384/salt 48`);
  if (inter.subjectCN !== cn.intermediate || inter.issuerCN !== cn.ark || !inter.isCa) return failed(`intermediate '${inter.subjectCN ?? ''}' is not a CA certificate issued by ${cn.ark}`);
  if (ark.subjectCN !== cn.ark || ark.issuerCN !== cn.ark || !ark.isCa) return failed(`root '${ark.subjectCN ?? ''}' is not the self-signed CA ${cn.ark}`);
  if (!sameName(vek.issuer, inter.subject) || !sameName(inter.issuer, ark.subject) || !sameName(ark.issuer, ark.subject)) return failed('issuer and subject names do not chain (they differ beyond the CN)');
  if (!(await verifyCertSignature(ark, ark))) return failed(`${cn.ark} self-signature does not verify`);
  if (!(await verifyCertSignature(inter, ark))) return failed(`${cn.intermediate} is not signed by ${cn.ark}`);
  if (!(await verifyCertSignature(vek, inter))) return failed(`the ${kind} (${vek.name}) is not signed by ${cn.intermediate}`);
  const pinned = opts.trustedRoots?.[line] ? 'caller-supplied root' : 'ARK pinned';
  const checks: Check[] = [pass(NAME, `${kind} ← ${cn.intermediate} ← ${cn.ark} (RSASSA-PSS SHA-384, ${pinned})`), profile, validityCheck([vek, inter, ark], opts.now)];
  return { checks, intermediate: inter, ark };
}

/** "certificate-validity": every certificate's notBefore ≤ now ≤ notAfter. */
export function validityCheck(certs: Certificate[], now: Date): Check {
  const at = now.toISOString();
  for (const c of certs) {
    if (now < c.notBefore) return fail('certificate-validity', `${c.subjectCN ?? c.name} is not valid until ${c.notBefore.toISOString()} (checked at ${at})`);
    if (now > c.notAfter) return fail('certificate-validity', `${c.subjectCN ?? c.name} expired ${c.notAfter.toISOString()} (checked at ${at})`);
  }
  const first = certs[0]!;
  return pass('certificate-validity', `all certificates valid at ${at} (${first.subjectCN ?? first.name}: ${first.notBefore.toISOString()} .. ${first.notAfter.toISOString()})`);
}
