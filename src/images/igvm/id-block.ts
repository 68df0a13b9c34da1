/**
 * Converting an IGVM SNP_ID_BLOCK (specs/igvm.md §4.15) into the firmware's 96-byte ID_BLOCK and
 * 4096-byte ID_AUTH_INFO (attestation.md §5.1–5.2), the way QEMU does (platforms.md §3.3): the ID
 * block version is forced to 1, the policy comes from GUEST_POLICY, and the IGVM public key's
 * extra reserved u32 after the curve is dropped.
 */
import { setU32, setU64 } from '../../core/bytes.js';
import { sha384 } from '../../core/hash.js';
import { ID_AUTH, ID_BLOCK, PUBKEY as FW_PUBKEY, SIGNATURE as FW_SIG } from '../../idblock/layout.js';
import type { IgvmPublicKey, IgvmSignature, SnpIdBlockFields } from './types.js';

/** The 0x404-byte firmware public key struct for an IGVM key (curve, qx, qy; reserved dropped). */
export function igvmKeyToFirmware(k: IgvmPublicKey): Uint8Array {
  const out = new Uint8Array(FW_PUBKEY.SIZE);
  setU32(out, FW_PUBKEY.CURVE, k.curve);
  out.set(k.qx, FW_PUBKEY.QX);
  out.set(k.qy, FW_PUBKEY.QY);
  return out;
}

/** The 0x200-byte firmware signature struct for an IGVM signature (r, s; rest reserved). */
export function igvmSignatureToFirmware(s: IgvmSignature): Uint8Array {
  const out = new Uint8Array(FW_SIG.SIZE);
  out.set(s.r, FW_SIG.R);
  out.set(s.s, FW_SIG.S);
  return out;
}

/** SHA-384 of the firmware key struct: the report's ID_KEY_DIGEST / AUTHOR_KEY_DIGEST (attestation.md §5.3). */
export function igvmKeyDigest(k: IgvmPublicKey): Uint8Array {
  return sha384(igvmKeyToFirmware(k));
}

/** The firmware ID_BLOCK (0x60) and ID_AUTH_INFO (0x1000) for an IGVM ID block and guest policy. */
export function igvmIdBlockToFirmware(idb: SnpIdBlockFields, policy: bigint): { idBlock: Uint8Array; idAuth: Uint8Array } {
  const idBlock = new Uint8Array(ID_BLOCK.SIZE);
  idBlock.set(idb.ld, ID_BLOCK.LD);
  idBlock.set(idb.familyId, ID_BLOCK.FAMILY_ID);
  idBlock.set(idb.imageId, ID_BLOCK.IMAGE_ID);
  setU32(idBlock, ID_BLOCK.VERSION, 1); // QEMU forces version 1 (platforms.md §3.3)
  setU32(idBlock, ID_BLOCK.GUEST_SVN, idb.guestSvn);
  setU64(idBlock, ID_BLOCK.POLICY, policy);

  const idAuth = new Uint8Array(ID_AUTH.SIZE);
  setU32(idAuth, ID_AUTH.ID_KEY_ALGO, idb.idKeyAlgorithm);
  setU32(idAuth, ID_AUTH.AUTH_KEY_ALGO, idb.authorKeyAlgorithm);
  idAuth.set(igvmSignatureToFirmware(idb.idKeySignature), ID_AUTH.ID_BLOCK_SIG);
  idAuth.set(igvmKeyToFirmware(idb.idPublicKey), ID_AUTH.ID_KEY);
  idAuth.set(igvmSignatureToFirmware(idb.authorKeySignature), ID_AUTH.ID_KEY_SIG);
  idAuth.set(igvmKeyToFirmware(idb.authorPublicKey), ID_AUTH.AUTHOR_KEY);
  return { idBlock, idAuth };
}
