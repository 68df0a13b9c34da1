/**
 * Builders and parsers for ID_BLOCK (0x60 bytes) and ID_AUTH_INFO (0x1000 bytes), the structures
 * SNP_LAUNCH_FINISH checks against the launch digest and policy. specs/attestation.md §5.1–5.2,
 * specs/sev-snp-measure-cli.md §8.3.
 */
import { inputError } from '../core/errors.js';
import { isAllZero, setU32, setU64, u32, u64 } from '../core/bytes.js';
import {
  ALGO_ECDSA_P384_SHA384, DEFAULT_ID_POLICY, ID_AUTH, ID_BLOCK, ID_BLOCK_VERSION, PUBKEY, SIGNATURE,
} from './layout.js';
import { decodePublicKey, decodeSignature, encodePublicKey, encodeSignature, type EcPublicKey, type EcSignature } from './structs.js';

/** LD size: a SHA-384 launch digest. */
export const LD_SIZE = 48;
/** FAMILY_ID / IMAGE_ID size. */
export const ID_SIZE = 16;

export interface IdBlockFields {
  /** The expected launch digest (48 bytes). */
  measurement: Uint8Array;
  /** 16 bytes; default zeros. */
  familyId?: Uint8Array;
  /** 16 bytes; default zeros. */
  imageId?: Uint8Array;
  /** u32; default 1, the only version the ABI defines. */
  version?: number;
  /** u32; default 0. */
  guestSvn?: number;
  /** u64 guest policy; default 0x30000 like the reference tool. */
  policy?: bigint;
}

export type IdBlock = Required<IdBlockFields>;

function checkU32(v: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw inputError('BAD_FIELD', `${field} ${v} is not a u32`, { field });
}

/** Serializes the 96-byte ID_BLOCK. */
export function buildIdBlock(f: IdBlockFields): Uint8Array {
  const out = new Uint8Array(ID_BLOCK.SIZE);
  if (f.measurement.length !== LD_SIZE) throw inputError('BAD_FIELD', `measurement must be ${LD_SIZE} bytes, got ${f.measurement.length}`, { field: 'LD' });
  out.set(f.measurement, ID_BLOCK.LD);
  for (const [name, v, off] of [['FAMILY_ID', f.familyId, ID_BLOCK.FAMILY_ID], ['IMAGE_ID', f.imageId, ID_BLOCK.IMAGE_ID]] as const) {
    if (v === undefined) continue;
    if (v.length !== ID_SIZE) throw inputError('BAD_FIELD', `${name} must be ${ID_SIZE} bytes, got ${v.length}`, { field: name });
    out.set(v, off);
  }
  const version = f.version ?? ID_BLOCK_VERSION;
  const svn = f.guestSvn ?? 0;
  checkU32(version, 'VERSION');
  checkU32(svn, 'GUEST_SVN');
  const policy = f.policy ?? DEFAULT_ID_POLICY;
  if (policy < 0n || policy >= 1n << 64n) throw inputError('BAD_FIELD', `POLICY 0x${policy.toString(16)} is not a u64`, { field: 'POLICY' });
  setU32(out, ID_BLOCK.VERSION, version);
  setU32(out, ID_BLOCK.GUEST_SVN, svn);
  setU64(out, ID_BLOCK.POLICY, policy);
  return out;
}

/** Reads a 96-byte ID_BLOCK. */
export function parseIdBlock(bytes: Uint8Array, file?: string): IdBlock {
  if (bytes.length !== ID_BLOCK.SIZE) throw inputError('BAD_ID_BLOCK', `an ID block is ${ID_BLOCK.SIZE} bytes, got ${bytes.length}`, { file });
  return {
    measurement: bytes.slice(ID_BLOCK.LD, ID_BLOCK.LD + LD_SIZE),
    familyId: bytes.slice(ID_BLOCK.FAMILY_ID, ID_BLOCK.FAMILY_ID + ID_SIZE),
    imageId: bytes.slice(ID_BLOCK.IMAGE_ID, ID_BLOCK.IMAGE_ID + ID_SIZE),
    version: u32(bytes, ID_BLOCK.VERSION),
    guestSvn: u32(bytes, ID_BLOCK.GUEST_SVN),
    policy: u64(bytes, ID_BLOCK.POLICY),
  };
}

export interface IdAuthParts {
  /** The ID key's signature over the 96-byte ID block. */
  idSignature: EcSignature;
  idKey: EcPublicKey;
  /** The author key's signature over the 0x404-byte ID key struct; absent with no author key. */
  authorSignature?: EcSignature;
  authorKey?: EcPublicKey;
}

/**
 * Serializes the 4096-byte ID_AUTH_INFO. Without an author key the author areas stay zero and
 * AUTH_KEY_ALGO is 0 (the firmware ignores them when AUTH_KEY_EN = 0, attestation.md §5.2).
 */
export function buildIdAuth(p: IdAuthParts): Uint8Array {
  if ((p.authorKey === undefined) !== (p.authorSignature === undefined)) {
    throw inputError('BAD_ID_AUTH', 'an author key needs its signature over the ID key, and vice versa');
  }
  const out = new Uint8Array(ID_AUTH.SIZE);
  setU32(out, ID_AUTH.ID_KEY_ALGO, ALGO_ECDSA_P384_SHA384);
  out.set(encodeSignature(p.idSignature), ID_AUTH.ID_BLOCK_SIG);
  out.set(encodePublicKey(p.idKey), ID_AUTH.ID_KEY);
  if (p.authorKey && p.authorSignature) {
    setU32(out, ID_AUTH.AUTH_KEY_ALGO, ALGO_ECDSA_P384_SHA384);
    out.set(encodeSignature(p.authorSignature), ID_AUTH.ID_KEY_SIG);
    out.set(encodePublicKey(p.authorKey), ID_AUTH.AUTHOR_KEY);
  }
  return out;
}

export interface ParsedIdAuth extends IdAuthParts {
  idKeyAlgo: number;
  authKeyAlgo: number;
  /** The raw 0x404-byte ID_KEY struct (what the author key signs and ID_KEY_DIGEST hashes). */
  idKeyStruct: Uint8Array;
  /** The raw AUTHOR_KEY struct, absent when the author area is all zero. */
  authorKeyStruct?: Uint8Array;
}

/** Reads a 4096-byte ID_AUTH_INFO strictly: known algorithms, P-384 keys, zero reserved areas. */
export function parseIdAuth(bytes: Uint8Array, file?: string): ParsedIdAuth {
  if (bytes.length !== ID_AUTH.SIZE) throw inputError('BAD_ID_AUTH', `an ID auth structure is ${ID_AUTH.SIZE} bytes, got ${bytes.length}`, { file });
  for (const [start, end] of [ID_AUTH.RESERVED1, ID_AUTH.RESERVED2, ID_AUTH.RESERVED3]) {
    if (!isAllZero(bytes.subarray(start, end))) throw inputError('RESERVED_NOT_ZERO', 'reserved bytes are not zero', { file, offset: start });
  }
  const idKeyAlgo = u32(bytes, ID_AUTH.ID_KEY_ALGO);
  const authKeyAlgo = u32(bytes, ID_AUTH.AUTH_KEY_ALGO);
  if (idKeyAlgo !== ALGO_ECDSA_P384_SHA384) {
    throw inputError('BAD_ALGO', `ID_KEY_ALGO ${idKeyAlgo} is not ECDSA P-384/SHA-384 (${ALGO_ECDSA_P384_SHA384})`, { file, offset: ID_AUTH.ID_KEY_ALGO, field: 'ID_KEY_ALGO' });
  }
  const area = (off: number, size: number) => bytes.subarray(off, off + size);
  const idKeyStruct = area(ID_AUTH.ID_KEY, PUBKEY.SIZE).slice();
  const out: ParsedIdAuth = {
    idKeyAlgo,
    authKeyAlgo,
    idSignature: decodeSignature(area(ID_AUTH.ID_BLOCK_SIG, SIGNATURE.SIZE), file, ID_AUTH.ID_BLOCK_SIG),
    idKey: decodePublicKey(idKeyStruct, file, ID_AUTH.ID_KEY),
    idKeyStruct,
  };
  const authorArea = bytes.subarray(ID_AUTH.ID_KEY_SIG, ID_AUTH.AUTHOR_KEY + PUBKEY.SIZE);
  if (authKeyAlgo === 0 && isAllZero(authorArea)) return out;
  if (authKeyAlgo !== ALGO_ECDSA_P384_SHA384) {
    throw inputError('BAD_ALGO', `AUTH_KEY_ALGO ${authKeyAlgo} is not ECDSA P-384/SHA-384 (${ALGO_ECDSA_P384_SHA384})`, { file, offset: ID_AUTH.AUTH_KEY_ALGO, field: 'AUTH_KEY_ALGO' });
  }
  const authorKeyStruct = area(ID_AUTH.AUTHOR_KEY, PUBKEY.SIZE).slice();
  out.authorSignature = decodeSignature(area(ID_AUTH.ID_KEY_SIG, SIGNATURE.SIZE), file, ID_AUTH.ID_KEY_SIG);
  out.authorKey = decodePublicKey(authorKeyStruct, file, ID_AUTH.AUTHOR_KEY);
  out.authorKeyStruct = authorKeyStruct;
  return out;
}
