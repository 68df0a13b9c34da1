/**
 * COSE_Sign1 (RFC 9052 §4.2, tag 18) with an X.509 chain in the protected header (x5chain, label
 * 33, RFC 9360 §2), as Microsoft signs ACI UVM endorsements: decode, the Sig_structure
 * (RFC 9052 §4.4) and the signature check with the leaf certificate's key. Algorithms (RFC 9053
 * §2.1, RFC 8230 §2): PS256/PS384/PS512 (RSASSA-PSS, MGF1 with the same hash, salt = hash
 * length) and ES256/ES384 (ECDSA, r‖s). Browser-safe (cbor2 + WebCrypto).
 */
import { Tag } from 'cbor2';
import { coseSign1ToBeSigned, decodeCborItem, describeCbor } from '../core/cbor.js';
import { inputError } from '../core/errors.js';
import type { Certificate } from '../attestation/cert.js';
import { buf, subtle } from '../attestation/webcrypto.js';

/** COSE header labels (RFC 9052 §3.1, RFC 9360 §2, RFC 9597 §2). */
export const COSE_LABEL = { ALG: 1, CRIT: 2, CONTENT_TYPE: 3, KID: 4, X5CHAIN: 33, X5T: 34, CWT_CLAIMS: 15 } as const;

/** COSE algorithm values → what WebCrypto needs (RFC 9053 §2.1, RFC 8230 §2). */
export const COSE_ALGS: Readonly<Record<number, { name: string; hash: string; kind: 'pss' | 'ecdsa'; size: number }>> = {
  [-37]: { name: 'PS256', hash: 'SHA-256', kind: 'pss', size: 32 },
  [-38]: { name: 'PS384', hash: 'SHA-384', kind: 'pss', size: 48 },
  [-39]: { name: 'PS512', hash: 'SHA-512', kind: 'pss', size: 64 },
  [-7]: { name: 'ES256', hash: 'SHA-256', kind: 'ecdsa', size: 32 },
  [-35]: { name: 'ES384', hash: 'SHA-384', kind: 'ecdsa', size: 48 },
};

export interface CoseSign1 {
  /** The protected header exactly as signed (the bstr contents). */
  protectedBytes: Uint8Array;
  protectedHeader: Map<unknown, unknown>;
  unprotectedHeader: Map<unknown, unknown>;
  payload: Uint8Array;
  signature: Uint8Array;
  /** The COSE alg value of the protected header. */
  alg: number;
}

const bad = (file: string, field: string, why: string) => inputError('BAD_COSE', why, { file, field });

// preferMap keeps integer and text labels apart; duplicate labels are an error (RFC 9052 §3).
const DECODE = { preferMap: true, rejectDuplicateKeys: true };
const cbor = (bytes: Uint8Array, file: string, what: string): unknown => decodeCborItem(bytes, file, what, DECODE);

/** Decodes a COSE_Sign1 (tagged 18, or untagged) with an attached payload. */
export function decodeCoseSign1(bytes: Uint8Array, file: string): CoseSign1 {
  const top = cbor(bytes, file, 'COSE_Sign1');
  const arr = top instanceof Tag ? (top.tag === 18 ? top.contents : undefined) : top;
  if (!Array.isArray(arr) || arr.length !== 4) throw bad(file, '(top level)', 'is not a COSE_Sign1 (#6.18 [protected, unprotected, payload, signature])');
  const [prot, unprot, payload, signature] = arr as unknown[];
  if (!(prot instanceof Uint8Array)) throw bad(file, 'protected', 'must be a byte string');
  if (!(unprot instanceof Map)) throw bad(file, 'unprotected', 'must be a map');
  if (!(payload instanceof Uint8Array)) throw bad(file, 'payload', 'must be an attached byte string (detached payloads are not supported)');
  if (!(signature instanceof Uint8Array)) throw bad(file, 'signature', 'must be a byte string');
  const hdr = prot.length === 0 ? new Map() : cbor(prot, file, 'COSE protected header');
  if (!(hdr instanceof Map)) throw bad(file, 'protected', 'must encode a map');
  const alg = hdr.get(COSE_LABEL.ALG);
  if (typeof alg !== 'number') throw bad(file, 'protected.alg', 'is missing (the algorithm must be protected)');
  if (unprot.has(COSE_LABEL.ALG)) throw bad(file, 'unprotected.alg', 'the algorithm must not be in the unprotected header');
  // crit (RFC 9052 §3.1): every label listed must be understood; we understand none beyond the basics.
  const crit = hdr.get(COSE_LABEL.CRIT);
  if (crit !== undefined) throw bad(file, 'protected.crit', `lists critical header(s) ${describeCbor(crit)} that this verifier does not implement`);
  return { protectedBytes: prot, protectedHeader: hdr, unprotectedHeader: unprot, payload, signature, alg };
}

/** Sig_structure for COSE_Sign1 (RFC 9052 §4.4); the public name of src/core/cbor.ts's builder. */
export const coseToBeSigned = coseSign1ToBeSigned;

/** The x5chain (label 33) certificates, leaf first (one bstr or an array of bstr, RFC 9360 §2). */
export function coseX5Chain(c: CoseSign1, file: string): Uint8Array[] {
  const v = c.protectedHeader.get(COSE_LABEL.X5CHAIN);
  if (v === undefined) throw bad(file, 'protected.x5chain', 'is missing (label 33): the signer certificate chain must be protected');
  const list = v instanceof Uint8Array ? [v] : Array.isArray(v) ? v : [];
  if (list.length === 0 || !list.every((x): x is Uint8Array => x instanceof Uint8Array)) throw bad(file, 'protected.x5chain', 'must be a byte string or an array of byte strings');
  return list;
}

/** The signature algorithm of `alg` as an X.509 description (for reasons), or undefined. */
export function coseAlgName(alg: number): string {
  return COSE_ALGS[alg]?.name ?? `COSE alg ${alg}`;
}

/**
 * True when the COSE_Sign1 signature verifies with the certificate's key under the protected alg;
 * false for an unsupported alg, a key of the wrong type, or a bad signature (never throws for them).
 */
export async function verifyCoseSign1(c: CoseSign1, signer: Certificate): Promise<boolean> {
  const a = COSE_ALGS[c.alg];
  if (!a) return false;
  const data = coseToBeSigned(c.protectedBytes, c.payload);
  try {
    if (a.kind === 'pss') {
      if (signer.publicKey.type !== 'rsa') return false;
      const key = await subtle().importKey('spki', buf(signer.spki), { name: 'RSA-PSS', hash: a.hash }, false, ['verify']);
      return await subtle().verify({ name: 'RSA-PSS', saltLength: a.size }, key, buf(c.signature), buf(data));
    }
    const curve = a.size === 32 ? 'P-256' : 'P-384';
    if (signer.publicKey.type !== 'ec' || signer.publicKey.curve !== curve || c.signature.length !== 2 * a.size) return false;
    const key = await subtle().importKey('spki', buf(signer.spki), { name: 'ECDSA', namedCurve: curve }, false, ['verify']);
    return await subtle().verify({ name: 'ECDSA', hash: a.hash }, key, buf(c.signature), buf(data));
  } catch {
    return false;
  }
}

