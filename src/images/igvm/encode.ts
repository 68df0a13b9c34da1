/**
 * Encodes one IGVM header's fields into its TLV payload (specs/igvm.md §4), the inverse of
 * decode.ts. File offsets are supplied by the writer's layout (write.ts). Values that do not fit
 * their field are a usage error rather than being silently truncated.
 */
import { usageError } from '../../core/errors.js';
import {
  CCA,
  CORIM,
  ER,
  GP,
  HEADER_TYPES,
  IDB,
  PA,
  PAGE_DATA_TYPES,
  PAGE_FLAG_2MB,
  PAGE_FLAG_SHARED,
  PAGE_FLAG_UNMEASURED,
  PARAM,
  PD,
  PI,
  PLATFORM_TYPES,
  PTR,
  PUBKEY,
  REQMEM_FLAG_VTL2_PROTECTABLE,
  RELOC_FLAG_APPLY_GDTR,
  RELOC_FLAG_APPLY_RIP,
  RELOC_FLAG_IS_VTL2,
  RM,
  RR,
  SIG,
  SP,
  VBS,
  VP,
} from './defs.js';
import type { IgvmHeaderSpec, IgvmPublicKey, IgvmSignature } from './types.js';

function check(ok: boolean, kind: string, field: string, v: unknown): void {
  if (!ok) throw usageError('IGVM_WRITE_FIELD', `${kind}: ${field} value ${String(v)} does not fit the field`, field);
}

/** The payload being encoded, with a DataView made once per payload (the writer's hot path). */
interface Out {
  bytes: Uint8Array;
  dv: DataView;
}

/** Little helpers that range-check before writing. */
function w8(p: Out, off: number, v: number, kind: string, field: string): void {
  check(Number.isInteger(v) && v >= 0 && v <= 0xff, kind, field, v);
  p.bytes[off] = v;
}
function w16(p: Out, off: number, v: number, kind: string, field: string): void {
  check(Number.isInteger(v) && v >= 0 && v <= 0xffff, kind, field, v);
  p.dv.setUint16(off, v, true);
}
function w32(p: Out, off: number, v: number, kind: string, field: string): void {
  check(Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff, kind, field, v);
  p.dv.setUint32(off, v, true);
}
function w64(p: Out, off: number, v: bigint | number, kind: string, field: string): void {
  const b = typeof v === 'bigint' ? v : Number.isInteger(v) ? BigInt(v) : -1n;
  check(b >= 0n && b <= 0xffff_ffff_ffff_ffffn, kind, field, v);
  p.dv.setBigUint64(off, b, true);
}
function wBytes(p: Out, off: number, b: Uint8Array, len: number, kind: string, field: string): void {
  check(b.length === len, kind, `${field} (length)`, b.length);
  p.bytes.set(b, off);
}

function wSig(p: Out, off: number, s: IgvmSignature, field: string): void {
  wBytes(p, off + SIG.r, s.r, 72, 'SNP_ID_BLOCK', `${field}.r`);
  wBytes(p, off + SIG.s, s.s, 72, 'SNP_ID_BLOCK', `${field}.s`);
}
function wKey(p: Out, off: number, k: IgvmPublicKey, field: string): void {
  w32(p, off + PUBKEY.curve, k.curve, 'SNP_ID_BLOCK', `${field}.curve`);
  wBytes(p, off + PUBKEY.qx, k.qx, 72, 'SNP_ID_BLOCK', `${field}.qx`);
  wBytes(p, off + PUBKEY.qy, k.qy, 72, 'SNP_ID_BLOCK', `${field}.qy`);
}

/**
 * The payload of header `h`. `fileOffset` is where its data was placed (0 = none); `dataSize` is
 * the CoRIM size_bytes.
 */
export function encodePayload(h: IgvmHeaderSpec, fileOffset: number, dataSize: number): Uint8Array {
  const k = h.kind;
  const bytes = new Uint8Array(HEADER_TYPES[k].size);
  const p: Out = { bytes, dv: new DataView(bytes.buffer) };
  switch (h.kind) {
    case 'SUPPORTED_PLATFORM': {
      w32(p, SP.compatibilityMask, h.compatibilityMask, k, 'compatibility_mask');
      w8(p, SP.highestVtl, h.highestVtl, k, 'highest_vtl');
      const code = PLATFORM_TYPES.indexOf(h.platformType);
      check(code >= 0, k, 'platform_type', h.platformType);
      bytes[SP.platformType] = code;
      w16(p, SP.platformVersion, h.platformVersion, k, 'platform_version');
      w64(p, SP.sharedGpaBoundary, h.sharedGpaBoundary, k, 'shared_gpa_boundary');
      break;
    }
    case 'GUEST_POLICY':
      w64(p, GP.policy, h.policy, k, 'policy');
      w32(p, GP.compatibilityMask, h.compatibilityMask, k, 'compatibility_mask');
      break;
    case 'RELOCATABLE_REGION':
      w32(p, RR.compatibilityMask, h.compatibilityMask, k, 'compatibility_mask');
      w16(p, RR.vpIndex, h.vpIndex, k, 'vp_index');
      w8(p, RR.vtl, h.vtl, k, 'vtl');
      bytes[RR.flags] = (h.flags.isVtl2 ? RELOC_FLAG_IS_VTL2 : 0) | (h.flags.applyRip ? RELOC_FLAG_APPLY_RIP : 0) | (h.flags.applyGdtr ? RELOC_FLAG_APPLY_GDTR : 0);
      w64(p, RR.relocationAlignment, h.relocationAlignment, k, 'relocation_alignment');
      w64(p, RR.relocationRegionGpa, h.relocationRegionGpa, k, 'relocation_region_gpa');
      w64(p, RR.relocationRegionSize, h.relocationRegionSize, k, 'relocation_region_size');
      w64(p, RR.minimumRelocationGpa, h.minimumRelocationGpa, k, 'minimum_relocation_gpa');
      w64(p, RR.maximumRelocationGpa, h.maximumRelocationGpa, k, 'maximum_relocation_gpa');
      break;
    case 'PAGE_TABLE_RELOCATION_REGION':
      w32(p, PTR.compatibilityMask, h.compatibilityMask, k, 'compatibility_mask');
      w16(p, PTR.vpIndex, h.vpIndex, k, 'vp_index');
      w8(p, PTR.vtl, h.vtl, k, 'vtl');
      w64(p, PTR.gpa, h.gpa, k, 'gpa');
      w64(p, PTR.size, h.size, k, 'size');
      w64(p, PTR.usedSize, h.usedSize, k, 'used_size');
      break;
    case 'CORIM_DOCUMENT':
    case 'CORIM_SIGNATURE':
      w32(p, CORIM.compatibilityMask, h.compatibilityMask, k, 'compatibility_mask');
      w32(p, CORIM.fileOffset, fileOffset, k, 'file_offset');
      w32(p, CORIM.sizeBytes, dataSize, k, 'size_bytes');
      break;
    case 'CCA_POLICY':
      w32(p, CCA.compatibilityMask, h.compatibilityMask, k, 'compatibility_mask');
      w64(p, CCA.attributesRequiredZeroes, h.attributesRequiredZeroes, k, 'attributes_required_zeroes');
      w64(p, CCA.attributesRequiredOnes, h.attributesRequiredOnes, k, 'attributes_required_ones');
      w8(p, CCA.hashAlgorithm, h.hashAlgorithm, k, 'hash_algorithm');
      w8(p, CCA.lfaPolicy, h.lfaPolicy, k, 'lfa_policy');
      break;
    case 'PARAMETER_AREA':
      w64(p, PA.numberOfBytes, h.size, k, 'number_of_bytes');
      w32(p, PA.parameterAreaIndex, h.parameterAreaIndex, k, 'parameter_area_index');
      w32(p, PA.fileOffset, fileOffset, k, 'file_offset');
      break;
    case 'PAGE_DATA': {
      w64(p, PD.gpa, h.gpa, k, 'gpa');
      w32(p, PD.compatibilityMask, h.compatibilityMask, k, 'compatibility_mask');
      w32(p, PD.fileOffset, fileOffset, k, 'file_offset');
      const f = h.flags;
      p.dv.setUint32(PD.flags, (f.is2MiB ? PAGE_FLAG_2MB : 0) | (f.unmeasured ? PAGE_FLAG_UNMEASURED : 0) | (f.shared ? PAGE_FLAG_SHARED : 0), true);
      const dt = PAGE_DATA_TYPES.indexOf(h.dataType);
      check(dt >= 0, k, 'data_type', h.dataType);
      p.dv.setUint16(PD.dataType, dt, true);
      break;
    }
    case 'PARAMETER_INSERT':
      w64(p, PI.gpa, h.gpa, k, 'gpa');
      w32(p, PI.compatibilityMask, h.compatibilityMask, k, 'compatibility_mask');
      w32(p, PI.parameterAreaIndex, h.parameterAreaIndex, k, 'parameter_area_index');
      break;
    case 'VP_CONTEXT':
      w64(p, VP.gpa, h.gpa, k, 'gpa');
      w32(p, VP.compatibilityMask, h.compatibilityMask, k, 'compatibility_mask');
      w32(p, VP.fileOffset, fileOffset, k, 'file_offset');
      w16(p, VP.vpIndex, h.vpIndex, k, 'vp_index');
      break;
    case 'REQUIRED_MEMORY':
      w64(p, RM.gpa, h.gpa, k, 'gpa');
      w32(p, RM.compatibilityMask, h.compatibilityMask, k, 'compatibility_mask');
      w32(p, RM.numberOfBytes, h.numberOfBytes, k, 'number_of_bytes');
      p.dv.setUint32(RM.flags, h.vtl2Protectable ? REQMEM_FLAG_VTL2_PROTECTABLE : 0, true);
      break;
    case 'ERROR_RANGE':
      w64(p, ER.gpa, h.gpa, k, 'gpa');
      w32(p, ER.compatibilityMask, h.compatibilityMask, k, 'compatibility_mask');
      w32(p, ER.sizeBytes, h.sizeBytes, k, 'size_bytes');
      break;
    case 'SNP_ID_BLOCK':
      w32(p, IDB.compatibilityMask, h.compatibilityMask, k, 'compatibility_mask');
      w8(p, IDB.authorKeyEnabled, h.authorKeyEnabled, k, 'author_key_enabled');
      wBytes(p, IDB.ld, h.ld, 48, k, 'ld');
      wBytes(p, IDB.familyId, h.familyId, 16, k, 'family_id');
      wBytes(p, IDB.imageId, h.imageId, 16, k, 'image_id');
      w32(p, IDB.version, h.version, k, 'version');
      w32(p, IDB.guestSvn, h.guestSvn, k, 'guest_svn');
      w32(p, IDB.idKeyAlgorithm, h.idKeyAlgorithm, k, 'id_key_algorithm');
      w32(p, IDB.authorKeyAlgorithm, h.authorKeyAlgorithm, k, 'author_key_algorithm');
      wSig(p, IDB.idKeySignature, h.idKeySignature, 'id_key_signature');
      wKey(p, IDB.idPublicKey, h.idPublicKey, 'id_public_key');
      wSig(p, IDB.authorKeySignature, h.authorKeySignature, 'author_key_signature');
      wKey(p, IDB.authorPublicKey, h.authorPublicKey, 'author_public_key');
      break;
    case 'VBS_MEASUREMENT':
      w32(p, VBS.compatibilityMask, h.compatibilityMask, k, 'compatibility_mask');
      w32(p, VBS.version, h.version, k, 'version');
      w32(p, VBS.productId, h.productId, k, 'product_id');
      w32(p, VBS.moduleId, h.moduleId, k, 'module_id');
      w32(p, VBS.securityVersion, h.securityVersion, k, 'security_version');
      w32(p, VBS.policyFlags, h.policyFlags, k, 'policy_flags');
      w32(p, VBS.bootDigestAlgo, h.bootDigestAlgo, k, 'boot_digest_algo');
      w32(p, VBS.signingAlgo, h.signingAlgo, k, 'signing_algo');
      wBytes(p, VBS.bootMeasurementDigest, h.bootMeasurementDigest, 64, k, 'boot_measurement_digest');
      wBytes(p, VBS.signature, h.signature, 256, k, 'signature');
      wBytes(p, VBS.publicKey, h.publicKey, 512, k, 'public_key');
      break;
    default:
      w32(p, PARAM.parameterAreaIndex, h.parameterAreaIndex, k, 'parameter_area_index');
      w32(p, PARAM.byteOffset, h.byteOffset, k, 'byte_offset');
  }
  return bytes;
}
