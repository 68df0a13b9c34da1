/**
 * Signing and verifying ID structures with ECDSA P-384 / SHA-384 (the only *_KEY_ALGO, attestation.md
 * §5.2) through @noble/curves, so it runs in Node and browsers alike. Deterministic signatures
 * follow RFC 6979 (https://www.rfc-editor.org/rfc/rfc6979) exactly (no low-S normalisation), so the
 * same key and ID block always give the same bytes; the default adds fresh randomness (hedged
 * signatures, like the reference tool's randomized ECDSA). specs/toolchain.md §5.1.
 */
import { p384 } from '@noble/curves/nist.js';
import { inputError } from '../core/errors.js';
import { buildIdAuth, buildIdBlock, parseIdAuth, parseIdBlock, type IdBlock, type IdBlockFields } from './build.js';
import { P384_BYTES } from './layout.js';
import { encodePublicKey, keyDigest, signatureFromCompact, signatureToCompact, type EcPublicKey, type EcSignature } from './structs.js';

/** Something that signs with an ECDSA P-384 key over SHA-384(message): noble here, node:crypto or a HSM elsewhere. */
export interface IdSigner {
  readonly publicKey: EcPublicKey;
  sign(message: Uint8Array): EcSignature | Promise<EcSignature>;
}

export interface P384SignerOptions {
  /** true: RFC 6979 deterministic signatures (byte-identical across runs); default false: randomized. */
  deterministic?: boolean;
  /** Label for error messages (e.g. the key file). */
  label?: string;
}

/** Uncompressed SEC1 point 04‖x‖y, the form noble takes. */
function sec1(key: EcPublicKey): Uint8Array {
  const out = new Uint8Array(1 + 2 * P384_BYTES);
  out[0] = 4;
  out.set(key.x, 1);
  out.set(key.y, 1 + P384_BYTES);
  return out;
}

/** A noble-backed signer for a raw 48-byte big-endian P-384 private scalar (JWK `d`). */
export function p384Signer(secretKey: Uint8Array, opts: P384SignerOptions = {}): IdSigner {
  const label = opts.label ?? 'private key';
  let pub: Uint8Array;
  try {
    if (secretKey.length !== P384_BYTES) throw new Error(`must be ${P384_BYTES} bytes`);
    pub = p384.getPublicKey(secretKey, false);
  } catch (e) {
    throw inputError('BAD_KEY', `not a valid P-384 private key (${(e as Error).message})`, { file: label });
  }
  const d = secretKey.slice();
  return {
    publicKey: { x: pub.slice(1, 1 + P384_BYTES), y: pub.slice(1 + P384_BYTES) },
    sign(message) {
      const rs = p384.sign(message, d, { lowS: false, extraEntropy: opts.deterministic ? false : true });
      return signatureFromCompact(rs);
    },
  };
}

/** Verifies an ECDSA P-384/SHA-384 signature; any malformed key or signature is simply invalid. */
export function verifyP384(message: Uint8Array, sig: EcSignature, key: EcPublicKey): boolean {
  try {
    // AMD and OpenSSL signatures may be high-S: verify with lowS off (toolchain.md §5.1 gotcha).
    return p384.verify(signatureToCompact(sig), message, sec1(key), { lowS: false });
  } catch {
    return false;
  }
}

export interface SignedIdBlock {
  /** 96-byte ID_BLOCK. */
  idBlock: Uint8Array;
  /** 4096-byte ID_AUTH_INFO. */
  idAuth: Uint8Array;
  /** SHA-384 of the ID key struct (report ID_KEY_DIGEST). */
  idKeyDigest: Uint8Array;
  /** SHA-384 of the author key struct (report AUTHOR_KEY_DIGEST), when an author key signed. */
  authorKeyDigest?: Uint8Array;
}

/**
 * Builds the ID block, signs it with the ID key, signs the ID key struct with the author key (when
 * given) and assembles ID_AUTH_INFO — what `snp_calc_id_block` / `snp_calculate_id` produce.
 */
export async function createIdBlock(fields: IdBlockFields, idSigner: IdSigner, authorSigner?: IdSigner): Promise<SignedIdBlock> {
  const idBlock = buildIdBlock(fields);
  const idKeyStruct = encodePublicKey(idSigner.publicKey);
  const idSignature = await idSigner.sign(idBlock);
  const out: SignedIdBlock = { idBlock, idAuth: new Uint8Array(0), idKeyDigest: keyDigest(idKeyStruct) };
  if (authorSigner) {
    const authorSignature = await authorSigner.sign(idKeyStruct);
    out.idAuth = buildIdAuth({ idSignature, idKey: idSigner.publicKey, authorSignature, authorKey: authorSigner.publicKey });
    out.authorKeyDigest = keyDigest(authorSigner.publicKey);
  } else {
    out.idAuth = buildIdAuth({ idSignature, idKey: idSigner.publicKey });
  }
  return out;
}

export interface IdAuthVerification {
  block: IdBlock;
  /** The ID key's signature over the ID block checks. */
  idBlockSignatureValid: boolean;
  /** The author key's signature over the ID key struct checks; undefined without an author key. */
  idKeySignatureValid?: boolean;
  idKeyDigest: Uint8Array;
  authorKeyDigest?: Uint8Array;
  /** true when every present signature checks. */
  valid: boolean;
}

/**
 * Decodes an ID block + ID auth pair and checks both signatures against the embedded keys, the way
 * the firmware does at SNP_LAUNCH_FINISH. Malformed structures (bad sizes, reserved bytes, unknown
 * algorithm or curve) are input errors; a wrong signature is a `false`.
 */
export function verifyIdAuth(idBlock: Uint8Array, idAuth: Uint8Array, files: { idBlock?: string; idAuth?: string } = {}): IdAuthVerification {
  const block = parseIdBlock(idBlock, files.idBlock);
  const auth = parseIdAuth(idAuth, files.idAuth);
  const idBlockSignatureValid = verifyP384(idBlock, auth.idSignature, auth.idKey);
  const res: IdAuthVerification = { block, idBlockSignatureValid, idKeyDigest: keyDigest(auth.idKeyStruct), valid: idBlockSignatureValid };
  if (auth.authorKey && auth.authorSignature && auth.authorKeyStruct) {
    res.idKeySignatureValid = verifyP384(auth.idKeyStruct, auth.authorSignature, auth.authorKey);
    res.authorKeyDigest = keyDigest(auth.authorKeyStruct);
    res.valid = res.valid && res.idKeySignatureValid;
  }
  return res;
}
