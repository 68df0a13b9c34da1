/**
 * The AMD ECDSA structs used by ID_AUTH_INFO: the 0x404-byte public key and the 0x200-byte
 * signature, with coordinates and scalars stored as 72-byte little-endian integers, and the key
 * digests (SHA-384 of the public key struct) that the attestation report carries as ID_KEY_DIGEST
 * and AUTHOR_KEY_DIGEST. specs/attestation.md §5.2–5.3.
 */
import { inputError } from '../core/errors.js';
import { isAllZero, setU32, u32 } from '../core/bytes.js';
import { sha384 } from '../core/hash.js';
import { CURVE_P384, LE_FIELD, P384_BYTES, PUBKEY, SIGNATURE } from './layout.js';

/** A P-384 public key as affine coordinates, 48-byte big-endian each (the JWK/noble/WebCrypto form). */
export interface EcPublicKey {
  x: Uint8Array;
  y: Uint8Array;
}

/** An ECDSA signature, r and s as 48-byte big-endian scalars. */
export interface EcSignature {
  r: Uint8Array;
  s: Uint8Array;
}

/** 48-byte big-endian → 72-byte little-endian, zero-extended (attestation.md §5.3 `le72`). */
export function le72(be: Uint8Array, what: string): Uint8Array {
  if (be.length !== P384_BYTES) throw inputError('BAD_EC_VALUE', `${what} must be ${P384_BYTES} bytes, got ${be.length}`);
  const out = new Uint8Array(LE_FIELD);
  for (let i = 0; i < P384_BYTES; i++) out[i] = be[P384_BYTES - 1 - i]!;
  return out;
}

/** 72-byte little-endian field → 48-byte big-endian; the 24 high bytes must be zero. */
function be48(field: Uint8Array, what: string, file?: string, offset?: number): Uint8Array {
  if (!isAllZero(field.subarray(P384_BYTES, LE_FIELD))) {
    throw inputError('BAD_EC_VALUE', `${what} does not fit in ${P384_BYTES} bytes`, { file, offset, field: what });
  }
  const out = new Uint8Array(P384_BYTES);
  for (let i = 0; i < P384_BYTES; i++) out[i] = field[P384_BYTES - 1 - i]!;
  return out;
}

/** The 0x404-byte public key struct: CURVE = 2 (P-384), QX, QY. */
export function encodePublicKey(key: EcPublicKey): Uint8Array {
  const out = new Uint8Array(PUBKEY.SIZE);
  setU32(out, PUBKEY.CURVE, CURVE_P384);
  out.set(le72(key.x, 'public key x'), PUBKEY.QX);
  out.set(le72(key.y, 'public key y'), PUBKEY.QY);
  return out;
}

/** Reads a public key struct back; rejects other curves and non-zero reserved bytes. */
export function decodePublicKey(struct: Uint8Array, file?: string, base = 0): EcPublicKey {
  if (struct.length !== PUBKEY.SIZE) throw inputError('BAD_PUBKEY', `public key struct must be ${PUBKEY.SIZE} bytes, got ${struct.length}`, { file, offset: base });
  const curve = u32(struct, PUBKEY.CURVE);
  if (curve !== CURVE_P384) throw inputError('BAD_CURVE', `curve ${curve} is not P-384 (${CURVE_P384})`, { file, offset: base + PUBKEY.CURVE, field: 'CURVE' });
  if (!isAllZero(struct.subarray(PUBKEY.RESERVED))) {
    throw inputError('RESERVED_NOT_ZERO', 'reserved bytes of the public key are not zero', { file, offset: base + PUBKEY.RESERVED });
  }
  return {
    x: be48(struct.subarray(PUBKEY.QX, PUBKEY.QX + LE_FIELD), 'QX', file, base + PUBKEY.QX),
    y: be48(struct.subarray(PUBKEY.QY, PUBKEY.QY + LE_FIELD), 'QY', file, base + PUBKEY.QY),
  };
}

/** The 0x200-byte signature struct: R, S little-endian in 72-byte fields. */
export function encodeSignature(sig: EcSignature): Uint8Array {
  const out = new Uint8Array(SIGNATURE.SIZE);
  out.set(le72(sig.r, 'signature r'), SIGNATURE.R);
  out.set(le72(sig.s, 'signature s'), SIGNATURE.S);
  return out;
}

/** Reads a signature struct back; rejects non-zero reserved bytes. */
export function decodeSignature(struct: Uint8Array, file?: string, base = 0): EcSignature {
  if (struct.length !== SIGNATURE.SIZE) throw inputError('BAD_SIGNATURE', `signature struct must be ${SIGNATURE.SIZE} bytes, got ${struct.length}`, { file, offset: base });
  if (!isAllZero(struct.subarray(SIGNATURE.RESERVED))) {
    throw inputError('RESERVED_NOT_ZERO', 'reserved bytes of the signature are not zero', { file, offset: base + SIGNATURE.RESERVED });
  }
  return {
    r: be48(struct.subarray(SIGNATURE.R, SIGNATURE.R + LE_FIELD), 'R', file, base + SIGNATURE.R),
    s: be48(struct.subarray(SIGNATURE.S, SIGNATURE.S + LE_FIELD), 'S', file, base + SIGNATURE.S),
  };
}

/** 96-byte r‖s big-endian (IEEE P1363 / noble "compact" / WebCrypto) → EcSignature. */
export function signatureFromCompact(rs: Uint8Array): EcSignature {
  if (rs.length !== 2 * P384_BYTES) throw inputError('BAD_SIGNATURE', `a P-384 signature must be ${2 * P384_BYTES} bytes (r‖s), got ${rs.length}`);
  return { r: rs.slice(0, P384_BYTES), s: rs.slice(P384_BYTES) };
}

/** EcSignature → 96-byte r‖s big-endian. */
export function signatureToCompact(sig: EcSignature): Uint8Array {
  const out = new Uint8Array(2 * P384_BYTES);
  out.set(sig.r, 0);
  out.set(sig.s, P384_BYTES);
  return out;
}

/**
 * ID_KEY_DIGEST / AUTHOR_KEY_DIGEST: SHA-384 of the 0x404-byte public key struct
 * (attestation.md §5.3). Accepts the struct itself or the key.
 */
export function keyDigest(key: EcPublicKey | Uint8Array): Uint8Array {
  return sha384(key instanceof Uint8Array ? key : encodePublicKey(key));
}
