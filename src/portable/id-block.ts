/**
 * A signed IGVM SNP_ID_BLOCK (specs/igvm.md §4.15) for a launch digest: the firmware ID block
 * (attestation.md §5.1: ld, family/image id, version 1, guest_svn, the policy from GUEST_POLICY)
 * is what the ID key signs — loaders rebuild exactly that from the IGVM header (QEMU forces
 * version 1) — and the author key, when given, signs the ID key's 0x404-byte struct. r, s, qx and
 * qy are stored little-endian in 72 bytes.
 */
import { buildIdBlock } from '../idblock/build.js';
import { ALGO_ECDSA_P384_SHA384, CURVE_P384 } from '../idblock/layout.js';
import type { IdSigner } from '../idblock/sign.js';
import { encodePublicKey, le72, type EcPublicKey, type EcSignature } from '../idblock/structs.js';
import type { IgvmPublicKey, IgvmSignature, SnpIdBlockFields } from '../images/igvm/types.js';

export interface IdBlockRequest {
  ld: Uint8Array;
  policy: bigint;
  /** Compatibility mask of the SNP platform. */
  mask: number;
  familyId?: Uint8Array;
  imageId?: Uint8Array;
  guestSvn?: number;
}

const sig = (s: EcSignature): IgvmSignature => ({ r: le72(s.r, 'signature r'), s: le72(s.s, 'signature s') });
const key = (k: EcPublicKey): IgvmPublicKey => ({ curve: CURVE_P384, qx: le72(k.x, 'public key x'), qy: le72(k.y, 'public key y') });
const zeroSig = (): IgvmSignature => ({ r: new Uint8Array(72), s: new Uint8Array(72) });
const zeroKey = (): IgvmPublicKey => ({ curve: 0, qx: new Uint8Array(72), qy: new Uint8Array(72) });

/** An unsigned ID block of the right size (the placeholder measured before the digest is known). */
export function placeholderIdBlock(mask: number, withAuthor: boolean): SnpIdBlockFields {
  return {
    kind: 'SNP_ID_BLOCK', compatibilityMask: mask, authorKeyEnabled: withAuthor ? 1 : 0, ld: new Uint8Array(48), familyId: new Uint8Array(16), imageId: new Uint8Array(16),
    version: 1, guestSvn: 0, idKeyAlgorithm: ALGO_ECDSA_P384_SHA384, authorKeyAlgorithm: withAuthor ? ALGO_ECDSA_P384_SHA384 : 0,
    idKeySignature: zeroSig(), idPublicKey: zeroKey(), authorKeySignature: zeroSig(), authorPublicKey: zeroKey(),
  };
}

export async function signIgvmIdBlock(r: IdBlockRequest, id: IdSigner, author?: IdSigner): Promise<SnpIdBlockFields> {
  const familyId = r.familyId ?? new Uint8Array(16);
  const imageId = r.imageId ?? new Uint8Array(16);
  const guestSvn = r.guestSvn ?? 0;
  const block = buildIdBlock({ measurement: r.ld, familyId, imageId, version: 1, guestSvn, policy: r.policy });
  const out: SnpIdBlockFields = {
    ...placeholderIdBlock(r.mask, author !== undefined),
    ld: r.ld.slice(),
    familyId: familyId.slice(),
    imageId: imageId.slice(),
    guestSvn,
    idKeySignature: sig(await id.sign(block)),
    idPublicKey: key(id.publicKey),
  };
  if (author) {
    out.authorKeySignature = sig(await author.sign(encodePublicKey(id.publicKey)));
    out.authorPublicKey = key(author.publicKey);
  }
  return out;
}
