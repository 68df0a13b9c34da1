/**
 * did:x509 (DIF did:x509 method specification, https://github.com/microsoft/did-x509/blob/main/specification.md):
 * `did:x509:0:<hash>:<base64url fingerprint of a CA certificate in the chain>::<policy>:<value>...`.
 * A chain satisfies the DID when some certificate other than the leaf has that fingerprint and the
 * leaf satisfies every policy. Implemented policies: `eku` (the leaf's extended key usage holds the
 * OID) and `subject` (the leaf's subject has each key:value pair). Browser-safe.
 */
import { bytesEqual, fromBase64 } from '../core/bytes.js';
import { sha256 } from '../core/hash.js';
import { sha384 as nobleSha384, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import type { Certificate } from '../attestation/cert.js';
import { extendedKeyUsages } from './x509.js';

export interface DidX509 {
  hash: 'sha256' | 'sha384' | 'sha512';
  fingerprint: Uint8Array;
  policies: { name: string; value: string }[];
}

/** Subject attribute short names of the did:x509 `subject` policy → OIDs (RFC 4519). */
const SUBJECT_KEYS: Record<string, string> = { CN: '2.5.4.3', L: '2.5.4.7', ST: '2.5.4.8', O: '2.5.4.10', OU: '2.5.4.11', C: '2.5.4.6', STREET: '2.5.4.9' };

/** Parses a did:x509 string; undefined with a reason on anything else. */
export function parseDidX509(did: string): { did?: DidX509; error?: string } {
  const parts = did.split('::');
  const head = parts[0]!.split(':');
  if (head.length !== 5 || head[0] !== 'did' || head[1] !== 'x509' || head[2] !== '0') return { error: `'${did}' is not a did:x509:0:<hash>:<fingerprint> DID` };
  const hash = head[3]!;
  if (hash !== 'sha256' && hash !== 'sha384' && hash !== 'sha512') return { error: `did:x509 fingerprint hash '${hash}' is not sha256, sha384 or sha512` };
  const fp = /^[A-Za-z0-9_-]+$/.test(head[4]!) ? fromBase64(head[4]!.replace(/-/g, '+').replace(/_/g, '/')) : undefined;
  const want = { sha256: 32, sha384: 48, sha512: 64 }[hash];
  if (!fp || fp.length !== want) return { error: `did:x509 fingerprint is not ${want} bytes of base64url` };
  if (parts.length < 2) return { error: 'did:x509 has no policy (e.g. ::eku:<oid>)' };
  const policies: DidX509['policies'] = [];
  for (const p of parts.slice(1)) {
    const i = p.indexOf(':');
    if (i <= 0) return { error: `did:x509 policy '${p}' is not <name>:<value>` };
    const name = p.slice(0, i);
    if (name !== 'eku' && name !== 'subject') return { error: `did:x509 policy '${name}' is not supported (eku, subject)` };
    policies.push({ name, value: decodeURIComponent(p.slice(i + 1)) });
  }
  return { did: { hash, fingerprint: fp, policies } };
}

function digest(hash: DidX509['hash'], b: Uint8Array): Uint8Array {
  return hash === 'sha256' ? sha256(b) : hash === 'sha384' ? nobleSha384(b) : nobleSha512(b);
}

/** Checks a leaf-first chain against a parsed DID; returns a reason on failure. */
export function chainMatchesDid(chain: Certificate[], did: DidX509): { ok: boolean; reason: string } {
  const ca = chain.slice(1).find((c) => bytesEqual(digest(did.hash, c.der), did.fingerprint));
  if (!ca) return { ok: false, reason: `no CA certificate in the chain has the DID's ${did.hash} fingerprint` };
  const leaf = chain[0]!;
  for (const p of did.policies) {
    if (p.name === 'eku') {
      const ekus = extendedKeyUsages(leaf) ?? [];
      if (!ekus.includes(p.value)) return { ok: false, reason: `the signing certificate's extended key usage (${ekus.join(', ') || 'none'}) lacks ${p.value}` };
    } else {
      const kv = p.value.split(':');
      if (kv.length % 2 !== 0) return { ok: false, reason: `subject policy '${p.value}' is not key:value pairs` };
      for (let i = 0; i < kv.length; i += 2) {
        const oid = SUBJECT_KEYS[kv[i]!];
        if (!oid || !leaf.subject.some(([o, v]) => o === oid && v === kv[i + 1])) return { ok: false, reason: `the signing certificate's subject has no ${kv[i]}=${kv[i + 1]}` };
      }
    }
  }
  return { ok: true, reason: `${ca.subjectCN ?? ca.name} has the ${did.hash} fingerprint; leaf satisfies ${did.policies.map((p) => `${p.name}:${p.value}`).join(', ')}` };
}
