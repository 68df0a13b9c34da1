/**
 * Signature checks for certificates outside AMD's fixed profile (Microsoft's supply-chain chain of
 * ACI UVM endorsements, GCE's launch-endorsement signer), on the strict DER/X.509 reader of
 * src/attestation and WebCrypto: RSASSA-PKCS1-v1_5 with SHA-256/384/512 (RFC 8017 §8.2, OIDs
 * RFC 4055 §5), RSASSA-PSS with its parameters (RFC 4055 §3.1) and ECDSA P-256/P-384 (RFC 5758
 * §3.2, DER signature → IEEE P1363). Plus the two extensions a chain check needs here: extended
 * key usage (RFC 5280 §4.2.1.12) and keyCertSign (§4.2.1.3). Browser-safe.
 */
import type { Certificate, SignatureAlgorithm } from '../attestation/cert.js';
import { children, readOid, readRoot, TAG, value, expectTag } from '../attestation/der.js';
import { buf, subtle } from '../attestation/webcrypto.js';
import { SnpLaunchError } from '../core/errors.js';

/** Signature algorithm OIDs understood here (RFC 4055 §5, RFC 5758 §3.2). */
const RSA_PKCS1: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'SHA-256',
  '1.2.840.113549.1.1.12': 'SHA-384',
  '1.2.840.113549.1.1.13': 'SHA-512',
};
const ECDSA: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'SHA-256',
  '1.2.840.10045.4.3.3': 'SHA-384',
  '1.2.840.10045.4.3.4': 'SHA-512',
};
const EKU_OID = '2.5.29.37';
const KEY_USAGE_OID = '2.5.29.15';

/** A one-line name of an algorithm, for reasons. */
export function algorithmName(a: SignatureAlgorithm): string {
  if (a.pss) return `RSASSA-PSS ${a.pss.hash} salt ${a.pss.saltLength}`;
  if (RSA_PKCS1[a.oid]) return `RSASSA-PKCS1-v1_5 ${RSA_PKCS1[a.oid]}`;
  if (ECDSA[a.oid]) return `ECDSA ${ECDSA[a.oid]}`;
  return a.oid;
}

/** ECDSA-Sig-Value DER (SEQUENCE {r, s}) → r‖s of `n` bytes each; undefined when malformed. */
export function ecdsaDerToP1363(sig: Uint8Array, n: number): Uint8Array | undefined {
  try {
    const c = { name: 'ECDSA signature' };
    const [r, s] = children(c, expectTag(c, readRoot(c, sig), TAG.SEQUENCE, 'ECDSA-Sig-Value'));
    const out = new Uint8Array(2 * n);
    for (const [i, x] of [r, s].entries()) {
      if (!x || x.tag !== TAG.INTEGER) return undefined;
      let v = value(x);
      while (v.length > n && v[0] === 0) v = v.subarray(1);
      if (v.length > n) return undefined;
      out.set(v, i * n + n - v.length);
    }
    return out;
  } catch {
    return undefined;
  }
}

/**
 * True when `signature` over `data` verifies with the SubjectPublicKeyInfo `spki` under `alg`.
 * Resolves false for an unsupported algorithm, a key of the wrong type or a bad signature.
 */
export async function verifyWithSpki(spki: Uint8Array, alg: SignatureAlgorithm, signature: Uint8Array, data: Uint8Array, curve?: string): Promise<boolean> {
  try {
    if (alg.pss) {
      if (alg.pss.hash !== alg.pss.mgf1Hash || alg.pss.trailerField !== 1 || !/^SHA-(256|384|512)$/.test(alg.pss.hash)) return false;
      const key = await subtle().importKey('spki', buf(spki), { name: 'RSA-PSS', hash: alg.pss.hash }, false, ['verify']);
      return await subtle().verify({ name: 'RSA-PSS', saltLength: alg.pss.saltLength }, key, buf(signature), buf(data));
    }
    const pk = RSA_PKCS1[alg.oid];
    if (pk) {
      const key = await subtle().importKey('spki', buf(spki), { name: 'RSASSA-PKCS1-v1_5', hash: pk }, false, ['verify']);
      return await subtle().verify('RSASSA-PKCS1-v1_5', key, buf(signature), buf(data));
    }
    const ec = ECDSA[alg.oid];
    if (ec && (curve === 'P-256' || curve === 'P-384')) {
      const sig = ecdsaDerToP1363(signature, curve === 'P-256' ? 32 : 48);
      if (!sig) return false;
      const key = await subtle().importKey('spki', buf(spki), { name: 'ECDSA', namedCurve: curve }, false, ['verify']);
      return await subtle().verify({ name: 'ECDSA', hash: ec }, key, buf(sig), buf(data));
    }
    return false;
  } catch {
    return false;
  }
}

/** True when `child` is signed by `issuer`'s key (any algorithm above). */
export function verifySignedBy(child: Certificate, issuer: Certificate): Promise<boolean> {
  const curve = issuer.publicKey.type === 'ec' ? issuer.publicKey.curve : undefined;
  return verifyWithSpki(issuer.spki, child.signatureAlgorithm, child.signature, child.tbs, curve);
}

/** Extended key usage OIDs (RFC 5280 §4.2.1.12); undefined when the extension is absent. */
export function extendedKeyUsages(cert: Certificate): string[] | undefined {
  const e = cert.extensions.get(EKU_OID);
  if (!e) return undefined;
  const c = { name: `${cert.name} extKeyUsage` };
  return children(c, expectTag(c, readRoot(c, e.value), TAG.SEQUENCE, 'ExtKeyUsageSyntax')).map((n) => readOid(c, n));
}

/** keyCertSign (bit 5 of KeyUsage, RFC 5280 §4.2.1.3); true when KeyUsage is absent (unrestricted). */
export function mayCertSign(cert: Certificate): boolean {
  const e = cert.extensions.get(KEY_USAGE_OID);
  if (!e) return true;
  const c = { name: `${cert.name} keyUsage` };
  const bits = value(expectTag(c, readRoot(c, e.value), TAG.BIT_STRING, 'KeyUsage'));
  return bits.length >= 2 && (bits[1]! & 0x04) !== 0;
}

export interface ChainVerdict {
  ok: boolean;
  reason: string;
}

/**
 * A leaf-first chain: each certificate signed by the next, every issuer a CA allowed to sign
 * certificates, issuer/subject names linked, the last self-signed, all valid at `at`.
 */
export async function verifyLeafFirstChain(chain: Certificate[], at: Date): Promise<ChainVerdict> {
  try {
    return await leafFirstChain(chain, at);
  } catch (e) {
    // A malformed extension (keyUsage) is a failed check, not a crash.
    if (e instanceof SnpLaunchError) return { ok: false, reason: e.message };
    throw e;
  }
}

async function leafFirstChain(chain: Certificate[], at: Date): Promise<ChainVerdict> {
  if (chain.length === 0) return { ok: false, reason: 'the chain is empty' };
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i]!;
    const issuer = chain[i + 1] ?? c;
    const label = c.subjectCN ?? c.name;
    if (JSON.stringify(c.issuer) !== JSON.stringify(issuer.subject)) return { ok: false, reason: `${label}: issuer name does not match the subject of ${issuer.subjectCN ?? issuer.name}` };
    // Every certificate that signs another must be a CA with keyCertSign.
    if (issuer !== c && (!issuer.isCa || !mayCertSign(issuer))) return { ok: false, reason: `${issuer.subjectCN ?? issuer.name} is not a CA allowed to sign certificates` };
    if (!(await verifySignedBy(c, issuer))) return { ok: false, reason: `${label} is not signed by ${issuer === c ? 'itself (the last certificate must be a self-signed root)' : issuer.subjectCN ?? issuer.name} (${algorithmName(c.signatureAlgorithm)})` };
    if (at < c.notBefore || at > c.notAfter) return { ok: false, reason: `${label} is not valid at ${at.toISOString()} (${c.notBefore.toISOString()} .. ${c.notAfter.toISOString()})` };
  }
  return { ok: true, reason: chain.map((c) => c.subjectCN ?? c.name).join(' ← ') };
}
