/**
 * Independent helpers for the ID-block tests, written against specs/attestation.md §5 with
 * node:crypto only: key loading, AMD signature struct → IEEE P1363, and ECDSA verification.
 */
import { createPrivateKey, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Public key of a PEM private key as JWK x/y (48-byte big-endian). */
export function pemPublic(path: string): { key: KeyObject; x: Buffer; y: Buffer; d: Buffer } {
  const priv = createPrivateKey(readFileSync(path));
  const jwk = priv.export({ format: 'jwk' });
  return { key: createPublicKey(priv), x: Buffer.from(jwk.x!, 'base64url'), y: Buffer.from(jwk.y!, 'base64url'), d: Buffer.from(jwk.d!, 'base64url') };
}

/** 72-byte LE field → 48-byte BE, asserting the high bytes are zero. */
function le72ToBe48(f: Uint8Array): Buffer {
  if (f.length !== 72 || f.subarray(48).some((b) => b !== 0)) throw new Error('bad 72-byte LE field');
  return Buffer.from(f.subarray(0, 48)).reverse();
}

/** AMD 0x200-byte signature struct (R LE72 at 0, S LE72 at 0x48) → 96-byte r‖s big-endian. */
export function amdSigToP1363(sig: Uint8Array): Buffer {
  if (sig.length !== 0x200 || sig.subarray(0x90).some((b) => b !== 0)) throw new Error('bad signature struct');
  return Buffer.concat([le72ToBe48(sig.subarray(0, 72)), le72ToBe48(sig.subarray(72, 144))]);
}

/** ECDSA P-384 / SHA-384 check with OpenSSL through node:crypto. */
export function nodeVerify(key: KeyObject, message: Uint8Array, amdSig: Uint8Array): boolean {
  return verify('sha384', message, { key, dsaEncoding: 'ieee-p1363' }, amdSigToP1363(amdSig));
}

/** Public key of an AMD 0x404-byte public key struct (CURVE 2, QX/QY LE72 at 4/0x4C) as a KeyObject. */
export function amdPubToKey(struct: Uint8Array): KeyObject {
  if (struct.length !== 0x404 || Buffer.from(struct).readUInt32LE(0) !== 2) throw new Error('bad public key struct');
  const x = le72ToBe48(struct.subarray(4, 76)).toString('base64url');
  const y = le72ToBe48(struct.subarray(76, 148)).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: 'P-384', x, y }, format: 'jwk' });
}
