/**
 * Signed CoRIM: COSE_Sign1 (RFC 9052 §4.2, tag 18) with ES384 (RFC 9053 §2.1: ECDSA P-384 over
 * SHA-384, signature = r || s, 48 bytes each) around the tagged unsigned CoRIM, as the CoRIM draft's
 * signed-corim. Protected header: alg -35 and content type application/rim+cbor. Small and
 * browser-safe (@noble/curves, already a dependency); tests verify it with node:crypto.
 */
import { p384 } from '@noble/curves/nist.js';
import { cdeEncodeOptions, encode, Tag } from 'cbor2';
import { coseSign1ToBeSigned } from '../core/cbor.js';
import { inputError } from '../core/errors.js';
import { COSE, TAG } from './codepoints.js';
import { decodeCbor } from './corim.js';

function protectedHeader(): Uint8Array {
  return encode(new Map<number, unknown>([[COSE.ALG, COSE.ES384], [COSE.CONTENT_TYPE, COSE.CORIM_MEDIA_TYPE]]), cdeEncodeOptions);
}

/** Wraps CoRIM bytes in COSE_Sign1 signed with the P-384 secret scalar `secretKey` (48 bytes). */
export function signCorim(corim: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const prot = protectedHeader();
  // noble hashes the message with SHA-384 (prehash) and returns r || s (compact).
  const sig = p384.sign(coseSign1ToBeSigned(prot, corim), secretKey, { lowS: false });
  return encode(new Tag(TAG.COSE_SIGN1, [prot, new Map(), corim, sig]), cdeEncodeOptions);
}

/** True when `bytes` start like a COSE_Sign1 (tag 18). */
export function isSignedCorim(bytes: Uint8Array): boolean {
  return bytes[0] === 0xd2;
}

/**
 * Checks a COSE_Sign1 CoRIM against an uncompressed SEC1 P-384 public key (97 bytes) and returns
 * the payload (the unsigned CoRIM bytes). A bad signature or structure is an input error.
 */
export function verifySignedCorim(bytes: Uint8Array, publicKey: Uint8Array, file: string): Uint8Array {
  const bad = (field: string, why: string) => inputError('BAD_SIGNED_CORIM', why, { file, field });
  const v = decodeCbor(bytes, file, 'COSE_Sign1');
  if (!(v instanceof Tag) || v.tag !== TAG.COSE_SIGN1 || !Array.isArray(v.contents) || v.contents.length !== 4) throw bad('(top level)', 'is not a COSE_Sign1 (#6.18 [protected, unprotected, payload, signature])');
  const [prot, , payload, sig] = v.contents as unknown[];
  if (!(prot instanceof Uint8Array) || !(payload instanceof Uint8Array) || !(sig instanceof Uint8Array)) throw bad('COSE_Sign1', 'protected header, payload and signature must be byte strings');
  const hdr = decodeCbor(prot, file, 'COSE protected header');
  if (!(hdr instanceof Map) || hdr.get(COSE.ALG) !== COSE.ES384) throw bad('protected.alg', 'is not ES384 (-35)');
  if (sig.length !== 96) throw bad('signature', `must be 96 bytes (ES384 r || s), got ${sig.length}`);
  let ok = false;
  try {
    ok = p384.verify(sig, coseSign1ToBeSigned(prot, payload), publicKey, { lowS: false });
  } catch {
    ok = false;
  }
  if (!ok) throw bad('signature', 'does not verify with the given key (wrong key, or the file was changed)');
  return payload;
}
