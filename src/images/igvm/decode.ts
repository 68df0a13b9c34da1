/**
 * Decodes one IGVM TLV payload into its fields (specs/igvm.md §4), checking the rules that need
 * only the payload itself: reserved fields zero, known enumeration values, alignment. Cross-header
 * rules (sections, parameter areas, platforms, file ranges) are in validate.ts.
 */
import { u16, u32, u64 } from '../../core/bytes.js';
import {
  CCA,
  CORIM,
  ER,
  GP,
  IDB,
  PA,
  PAGE_DATA_TYPES,
  PAGE_FLAG_2MB,
  PAGE_FLAG_SHARED,
  PAGE_FLAG_UNMEASURED,
  PAGE_FLAGS_KNOWN,
  PAGE_SIZE,
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
  SIZE_2MIB,
  SP,
  VBS,
  VP,
  type HeaderKind,
} from './defs.js';
import type {
  IgvmPublicKey,
  IgvmSignature,
  ParameterKind,
  SnpIdBlockFields,
  SupportedPlatformFields,
  VbsMeasurementFields,
} from './types.js';

/** Throws an SnpLaunchError for the field at `rel` bytes into the payload. */
export type Fail = (code: string, reason: string, rel: number, field: string) => never;

/** What a decoded payload adds to its fields: raw file references, resolved later. */
export interface FileRef {
  fileOffset: number;
  /** Bytes the header says are at fileOffset (0 when there is no data). */
  length: number;
}

export type Decoded = { fields: Record<string, unknown> & { kind: HeaderKind }; ref?: FileRef };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function copy(p: Uint8Array, off: number, len: number): Uint8Array {
  return p.slice(off, off + len);
}

function requireZero(p: Uint8Array, off: number, len: number, field: string, kind: string, fail: Fail): void {
  for (let i = 0; i < len; i++) {
    if (p[off + i] !== 0) fail('IGVM_RESERVED_NONZERO', `${kind}: reserved field ${field} must be 0`, off + i, field);
  }
}

function requireAligned(v: bigint, align: bigint, field: string, kind: string, rel: number, fail: Fail): void {
  if (v % align !== 0n) {
    const what = align === BigInt(SIZE_2MIB) ? '2 MiB' : '4 KiB';
    fail('IGVM_UNALIGNED', `${kind}: ${field} 0x${v.toString(16)} is not ${what}-aligned`, rel, field);
  }
}

function signature(p: Uint8Array, off: number): IgvmSignature {
  return { r: copy(p, off + SIG.r, 72), s: copy(p, off + SIG.s, 72) };
}

function publicKey(p: Uint8Array, off: number, field: string, fail: Fail): IgvmPublicKey {
  requireZero(p, off + PUBKEY.reserved, 4, `${field}.reserved`, 'SNP_ID_BLOCK', fail);
  return { curve: u32(p, off + PUBKEY.curve), qx: copy(p, off + PUBKEY.qx, 72), qy: copy(p, off + PUBKEY.qy, 72) };
}

function supportedPlatform(p: Uint8Array, fail: Fail): SupportedPlatformFields {
  const k = 'SUPPORTED_PLATFORM';
  const mask = u32(p, SP.compatibilityMask);
  if (mask === 0 || (mask & (mask - 1)) !== 0) {
    fail('IGVM_BAD_MASK', `${k}: compatibility_mask 0x${mask.toString(16)} must have exactly one bit set`, SP.compatibilityMask, 'compatibility_mask');
  }
  const vtl = p[SP.highestVtl]!;
  if (vtl !== 0 && vtl !== 2) fail('IGVM_BAD_FIELD', `${k}: highest_vtl ${vtl} must be 0 or 2`, SP.highestVtl, 'highest_vtl');
  const code = p[SP.platformType]!;
  const platformType = PLATFORM_TYPES[code];
  if (platformType === undefined) fail('IGVM_BAD_FIELD', `${k}: unknown platform_type ${code}`, SP.platformType, 'platform_type');
  const version = u16(p, SP.platformVersion);
  if (version !== 1) fail('IGVM_BAD_FIELD', `${k}: platform_version ${version} must be 1`, SP.platformVersion, 'platform_version');
  const boundary = u64(p, SP.sharedGpaBoundary);
  if (boundary !== 0n && (platformType === 'NATIVE' || platformType === 'VSM_ISOLATION')) {
    fail('IGVM_BAD_FIELD', `${k}: shared_gpa_boundary must be 0 for ${platformType}`, SP.sharedGpaBoundary, 'shared_gpa_boundary');
  }
  return { kind: k, compatibilityMask: mask, highestVtl: vtl, platformType, platformVersion: version, sharedGpaBoundary: boundary };
}

function snpIdBlock(p: Uint8Array, fail: Fail): SnpIdBlockFields {
  requireZero(p, IDB.reserved, 3, 'reserved', 'SNP_ID_BLOCK', fail);
  return {
    kind: 'SNP_ID_BLOCK',
    compatibilityMask: u32(p, IDB.compatibilityMask),
    authorKeyEnabled: p[IDB.authorKeyEnabled]!,
    ld: copy(p, IDB.ld, 48),
    familyId: copy(p, IDB.familyId, 16),
    imageId: copy(p, IDB.imageId, 16),
    version: u32(p, IDB.version),
    guestSvn: u32(p, IDB.guestSvn),
    idKeyAlgorithm: u32(p, IDB.idKeyAlgorithm),
    authorKeyAlgorithm: u32(p, IDB.authorKeyAlgorithm),
    idKeySignature: signature(p, IDB.idKeySignature),
    idPublicKey: publicKey(p, IDB.idPublicKey, 'id_public_key', fail),
    authorKeySignature: signature(p, IDB.authorKeySignature),
    authorPublicKey: publicKey(p, IDB.authorPublicKey, 'author_public_key', fail),
  };
}

function vbsMeasurement(p: Uint8Array): VbsMeasurementFields {
  return {
    kind: 'VBS_MEASUREMENT',
    compatibilityMask: u32(p, VBS.compatibilityMask),
    version: u32(p, VBS.version),
    productId: u32(p, VBS.productId),
    moduleId: u32(p, VBS.moduleId),
    securityVersion: u32(p, VBS.securityVersion),
    policyFlags: u32(p, VBS.policyFlags),
    bootDigestAlgo: u32(p, VBS.bootDigestAlgo),
    signingAlgo: u32(p, VBS.signingAlgo),
    bootMeasurementDigest: copy(p, VBS.bootMeasurementDigest, 64),
    signature: copy(p, VBS.signature, 256),
    publicKey: copy(p, VBS.publicKey, 512),
  };
}

/** Decodes the payload `p` (already known to have the exact size) of a header of kind `kind`. */
export function decodePayload(kind: HeaderKind, p: Uint8Array, fail: Fail): Decoded {
  switch (kind) {
    case 'SUPPORTED_PLATFORM':
      return { fields: { ...supportedPlatform(p, fail) } };
    case 'GUEST_POLICY':
      requireZero(p, GP.reserved, 4, 'reserved', kind, fail);
      return { fields: { kind, policy: u64(p, GP.policy), compatibilityMask: u32(p, GP.compatibilityMask) } };
    case 'RELOCATABLE_REGION': {
      const flags = p[RR.flags]!;
      if ((flags & ~(RELOC_FLAG_IS_VTL2 | RELOC_FLAG_APPLY_RIP | RELOC_FLAG_APPLY_GDTR)) !== 0) {
        fail('IGVM_RESERVED_NONZERO', `${kind}: reserved flag bits set in 0x${flags.toString(16)}`, RR.flags, 'flags');
      }
      return {
        fields: {
          kind,
          compatibilityMask: u32(p, RR.compatibilityMask),
          vpIndex: u16(p, RR.vpIndex),
          vtl: p[RR.vtl]!,
          flags: { isVtl2: (flags & RELOC_FLAG_IS_VTL2) !== 0, applyRip: (flags & RELOC_FLAG_APPLY_RIP) !== 0, applyGdtr: (flags & RELOC_FLAG_APPLY_GDTR) !== 0 },
          relocationAlignment: u64(p, RR.relocationAlignment),
          relocationRegionGpa: u64(p, RR.relocationRegionGpa),
          relocationRegionSize: u64(p, RR.relocationRegionSize),
          minimumRelocationGpa: u64(p, RR.minimumRelocationGpa),
          maximumRelocationGpa: u64(p, RR.maximumRelocationGpa),
        },
      };
    }
    case 'PAGE_TABLE_RELOCATION_REGION': {
      requireZero(p, PTR.reserved, 1, 'reserved', kind, fail);
      const size = u64(p, PTR.size);
      const used = u64(p, PTR.usedSize);
      if (used > size) fail('IGVM_BAD_FIELD', `${kind}: used_size 0x${used.toString(16)} exceeds size 0x${size.toString(16)}`, PTR.usedSize, 'used_size');
      return {
        fields: { kind, compatibilityMask: u32(p, PTR.compatibilityMask), vpIndex: u16(p, PTR.vpIndex), vtl: p[PTR.vtl]!, gpa: u64(p, PTR.gpa), size, usedSize: used },
      };
    }
    case 'CORIM_DOCUMENT':
    case 'CORIM_SIGNATURE': {
      requireZero(p, CORIM.reserved, 4, 'reserved', kind, fail);
      const fileOffset = u32(p, CORIM.fileOffset);
      const sizeBytes = u32(p, CORIM.sizeBytes);
      if (fileOffset === 0 && sizeBytes !== 0) fail('IGVM_BAD_FIELD', `${kind}: size_bytes ${sizeBytes} with file_offset 0 (no data)`, CORIM.sizeBytes, 'size_bytes');
      return { fields: { kind, compatibilityMask: u32(p, CORIM.compatibilityMask) }, ref: { fileOffset, length: sizeBytes } };
    }
    case 'CCA_POLICY':
      requireZero(p, CCA.reserved, 4, 'reserved', kind, fail);
      requireZero(p, CCA.reserved2, 6, 'reserved2', kind, fail);
      return {
        fields: {
          kind,
          compatibilityMask: u32(p, CCA.compatibilityMask),
          attributesRequiredZeroes: u64(p, CCA.attributesRequiredZeroes),
          attributesRequiredOnes: u64(p, CCA.attributesRequiredOnes),
          hashAlgorithm: p[CCA.hashAlgorithm]!,
          lfaPolicy: p[CCA.lfaPolicy]!,
        },
      };
    case 'PARAMETER_AREA': {
      const size = u64(p, PA.numberOfBytes);
      requireAligned(size, BigInt(PAGE_SIZE), 'number_of_bytes', kind, PA.numberOfBytes, fail);
      if (size > MAX_SAFE) fail('IGVM_TOO_LARGE', `${kind}: number_of_bytes 0x${size.toString(16)} is too large`, PA.numberOfBytes, 'number_of_bytes');
      const fileOffset = u32(p, PA.fileOffset);
      return {
        fields: { kind, parameterAreaIndex: u32(p, PA.parameterAreaIndex), size: Number(size) },
        ref: { fileOffset, length: fileOffset === 0 ? 0 : Number(size) },
      };
    }
    case 'PAGE_DATA': {
      requireZero(p, PD.reserved, 2, 'reserved', kind, fail);
      const flags = u32(p, PD.flags);
      if ((flags & ~PAGE_FLAGS_KNOWN) !== 0) fail('IGVM_RESERVED_NONZERO', `${kind}: reserved flag bits set in 0x${flags.toString(16)}`, PD.flags, 'flags');
      const is2MiB = (flags & PAGE_FLAG_2MB) !== 0;
      const gpa = u64(p, PD.gpa);
      requireAligned(gpa, BigInt(is2MiB ? SIZE_2MIB : PAGE_SIZE), 'gpa', kind, PD.gpa, fail);
      const dt = u16(p, PD.dataType);
      const dataType = PAGE_DATA_TYPES[dt];
      if (dataType === undefined) fail('IGVM_BAD_FIELD', `${kind}: unknown data_type ${dt}`, PD.dataType, 'data_type');
      const fileOffset = u32(p, PD.fileOffset);
      return {
        fields: {
          kind,
          gpa,
          compatibilityMask: u32(p, PD.compatibilityMask),
          flags: { is2MiB, unmeasured: (flags & PAGE_FLAG_UNMEASURED) !== 0, shared: (flags & PAGE_FLAG_SHARED) !== 0 },
          dataType,
        },
        ref: { fileOffset, length: fileOffset === 0 ? 0 : PAGE_SIZE },
      };
    }
    case 'PARAMETER_INSERT': {
      const gpa = u64(p, PI.gpa);
      requireAligned(gpa, BigInt(PAGE_SIZE), 'gpa', kind, PI.gpa, fail);
      return { fields: { kind, gpa, compatibilityMask: u32(p, PI.compatibilityMask), parameterAreaIndex: u32(p, PI.parameterAreaIndex) } };
    }
    case 'VP_CONTEXT': {
      requireZero(p, VP.reserved, 2, 'reserved', kind, fail);
      const fileOffset = u32(p, VP.fileOffset);
      if (fileOffset === 0) fail('IGVM_BAD_FIELD', `${kind}: file_offset 0 (a VP context needs data)`, VP.fileOffset, 'file_offset');
      // The length depends on the format, which validate.ts picks from the platform headers.
      return {
        fields: { kind, gpa: u64(p, VP.gpa), compatibilityMask: u32(p, VP.compatibilityMask), vpIndex: u16(p, VP.vpIndex) },
        ref: { fileOffset, length: PAGE_SIZE },
      };
    }
    case 'REQUIRED_MEMORY': {
      requireZero(p, RM.reserved, 4, 'reserved', kind, fail);
      const flags = u32(p, RM.flags);
      if ((flags & ~REQMEM_FLAG_VTL2_PROTECTABLE) !== 0) fail('IGVM_RESERVED_NONZERO', `${kind}: reserved flag bits set in 0x${flags.toString(16)}`, RM.flags, 'flags');
      const gpa = u64(p, RM.gpa);
      requireAligned(gpa, BigInt(PAGE_SIZE), 'gpa', kind, RM.gpa, fail);
      const n = u32(p, RM.numberOfBytes);
      requireAligned(BigInt(n), BigInt(PAGE_SIZE), 'number_of_bytes', kind, RM.numberOfBytes, fail);
      return { fields: { kind, gpa, compatibilityMask: u32(p, RM.compatibilityMask), numberOfBytes: n, vtl2Protectable: (flags & REQMEM_FLAG_VTL2_PROTECTABLE) !== 0 } };
    }
    case 'ERROR_RANGE':
      return { fields: { kind, gpa: u64(p, ER.gpa), compatibilityMask: u32(p, ER.compatibilityMask), sizeBytes: u32(p, ER.sizeBytes) } };
    case 'SNP_ID_BLOCK':
      return { fields: { ...snpIdBlock(p, fail) } };
    case 'VBS_MEASUREMENT':
      return { fields: { ...vbsMeasurement(p) } };
    default: {
      // The parameter-usage headers (§4.10).
      const k: ParameterKind = kind;
      return { fields: { kind: k, parameterAreaIndex: u32(p, PARAM.parameterAreaIndex), byteOffset: u32(p, PARAM.byteOffset) } };
    }
  }
}
