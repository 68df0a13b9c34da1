/**
 * Decodes one IGVM TLV payload into its fields (specs/igvm.md §4), checking the rules that need
 * only the payload itself: reserved fields zero, known enumeration values, alignment. Cross-header
 * rules (sections, parameter areas, platforms, file ranges) are in validate.ts.
 */
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
import type { HeaderPosition, IgvmHeader, IgvmPublicKey, IgvmSignature, PageDataFlags, ParameterKind } from './types.js';

/** Throws an SnpLaunchError for the field at `rel` bytes into the payload. */
export type Fail = (code: string, reason: string, rel: number, field: string) => never;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Reads one payload at `base` inside the variable header. One reader per parse (not per header):
 * a parse may decode millions of headers, so no per-field allocation.
 */
export class PayloadReader {
  private readonly dv: DataView;
  base = 0;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(off: number): number {
    return this.bytes[this.base + off]!;
  }
  u16(off: number): number {
    return this.dv.getUint16(this.base + off, true);
  }
  u32(off: number): number {
    return this.dv.getUint32(this.base + off, true);
  }
  u64(off: number): bigint {
    return this.dv.getBigUint64(this.base + off, true);
  }
  copy(off: number, len: number): Uint8Array {
    return this.bytes.slice(this.base + off, this.base + off + len);
  }
}

/** The eight possible PAGE_DATA flag sets, shared and frozen (one object per header adds up). */
const PAGE_FLAGS: readonly PageDataFlags[] = Array.from({ length: 8 }, (_, f) =>
  Object.freeze({ is2MiB: (f & PAGE_FLAG_2MB) !== 0, unmeasured: (f & PAGE_FLAG_UNMEASURED) !== 0, shared: (f & PAGE_FLAG_SHARED) !== 0 }),
);

/**
 * The payload rules of one PAGE_DATA header (§4.8): reserved zero, known flags, GPA aligned to its
 * page size, known data type. Shared by `decodeHeader` and the parser's column store
 * (page-table.ts), which builds no object per header.
 */
export function checkPageData(r: PayloadReader, fail: Fail): void {
  const kind = 'PAGE_DATA';
  if (r.u16(PD.reserved) !== 0) requireZero(r, PD.reserved, 2, 'reserved', kind, fail);
  const flags = r.u32(PD.flags);
  if ((flags & ~PAGE_FLAGS_KNOWN) !== 0) fail('IGVM_RESERVED_NONZERO', `${kind}: reserved flag bits set in 0x${flags.toString(16)}`, PD.flags, 'flags');
  // Alignment from the low 32 bits (no bigint arithmetic on the hottest header type).
  const align = (flags & PAGE_FLAG_2MB) !== 0 ? SIZE_2MIB : PAGE_SIZE;
  if ((r.u32(PD.gpa) & (align - 1)) !== 0) requireAligned(r.u64(PD.gpa), align, 'gpa', kind, PD.gpa, fail);
  const dt = r.u16(PD.dataType);
  if (PAGE_DATA_TYPES[dt] === undefined) fail('IGVM_BAD_FIELD', `${kind}: unknown data_type ${dt}`, PD.dataType, 'data_type');
}

/** The shared frozen flag object for raw PAGE_DATA flags (known bits only). */
export const pageDataFlags = (flags: number): PageDataFlags => PAGE_FLAGS[flags & PAGE_FLAGS_KNOWN]!;

function requireZero(r: PayloadReader, off: number, len: number, field: string, kind: string, fail: Fail): void {
  for (let i = 0; i < len; i++) {
    if (r.u8(off + i) !== 0) fail('IGVM_RESERVED_NONZERO', `${kind}: reserved field ${field} must be 0`, off + i, field);
  }
}

function requireAligned(v: bigint, align: number, field: string, kind: string, rel: number, fail: Fail): void {
  if ((v & BigInt(align - 1)) !== 0n) {
    const what = align === SIZE_2MIB ? '2 MiB' : '4 KiB';
    fail('IGVM_UNALIGNED', `${kind}: ${field} 0x${v.toString(16)} is not ${what}-aligned`, rel, field);
  }
}

function signature(r: PayloadReader, off: number): IgvmSignature {
  return { r: r.copy(off + SIG.r, 72), s: r.copy(off + SIG.s, 72) };
}

function publicKey(r: PayloadReader, off: number, field: string, fail: Fail): IgvmPublicKey {
  requireZero(r, off + PUBKEY.reserved, 4, `${field}.reserved`, 'SNP_ID_BLOCK', fail);
  return { curve: r.u32(off + PUBKEY.curve), qx: r.copy(off + PUBKEY.qx, 72), qy: r.copy(off + PUBKEY.qy, 72) };
}

function supportedPlatform(r: PayloadReader, pos: HeaderPosition, fail: Fail): IgvmHeader {
  const k = 'SUPPORTED_PLATFORM';
  const mask = r.u32(SP.compatibilityMask);
  if (mask === 0 || (mask & (mask - 1)) !== 0) {
    fail('IGVM_BAD_MASK', `${k}: compatibility_mask 0x${mask.toString(16)} must have exactly one bit set`, SP.compatibilityMask, 'compatibility_mask');
  }
  const vtl = r.u8(SP.highestVtl);
  if (vtl !== 0 && vtl !== 2) fail('IGVM_BAD_FIELD', `${k}: highest_vtl ${vtl} must be 0 or 2`, SP.highestVtl, 'highest_vtl');
  const code = r.u8(SP.platformType);
  const platformType = PLATFORM_TYPES[code];
  if (platformType === undefined) fail('IGVM_BAD_FIELD', `${k}: unknown platform_type ${code}`, SP.platformType, 'platform_type');
  const version = r.u16(SP.platformVersion);
  if (version !== 1) fail('IGVM_BAD_FIELD', `${k}: platform_version ${version} must be 1`, SP.platformVersion, 'platform_version');
  const boundary = r.u64(SP.sharedGpaBoundary);
  if (boundary !== 0n && (platformType === 'NATIVE' || platformType === 'VSM_ISOLATION')) {
    fail('IGVM_BAD_FIELD', `${k}: shared_gpa_boundary must be 0 for ${platformType}`, SP.sharedGpaBoundary, 'shared_gpa_boundary');
  }
  return { kind: k, compatibilityMask: mask, highestVtl: vtl, platformType, platformVersion: version, sharedGpaBoundary: boundary, ...pos };
}

function snpIdBlock(r: PayloadReader, pos: HeaderPosition, fail: Fail): IgvmHeader {
  requireZero(r, IDB.reserved, 3, 'reserved', 'SNP_ID_BLOCK', fail);
  return {
    kind: 'SNP_ID_BLOCK',
    compatibilityMask: r.u32(IDB.compatibilityMask),
    authorKeyEnabled: r.u8(IDB.authorKeyEnabled),
    ld: r.copy(IDB.ld, 48),
    familyId: r.copy(IDB.familyId, 16),
    imageId: r.copy(IDB.imageId, 16),
    version: r.u32(IDB.version),
    guestSvn: r.u32(IDB.guestSvn),
    idKeyAlgorithm: r.u32(IDB.idKeyAlgorithm),
    authorKeyAlgorithm: r.u32(IDB.authorKeyAlgorithm),
    idKeySignature: signature(r, IDB.idKeySignature),
    idPublicKey: publicKey(r, IDB.idPublicKey, 'id_public_key', fail),
    authorKeySignature: signature(r, IDB.authorKeySignature),
    authorPublicKey: publicKey(r, IDB.authorPublicKey, 'author_public_key', fail),
    ...pos,
  };
}

function vbsMeasurement(r: PayloadReader, pos: HeaderPosition): IgvmHeader {
  return {
    kind: 'VBS_MEASUREMENT',
    compatibilityMask: r.u32(VBS.compatibilityMask),
    version: r.u32(VBS.version),
    productId: r.u32(VBS.productId),
    moduleId: r.u32(VBS.moduleId),
    securityVersion: r.u32(VBS.securityVersion),
    policyFlags: r.u32(VBS.policyFlags),
    bootDigestAlgo: r.u32(VBS.bootDigestAlgo),
    signingAlgo: r.u32(VBS.signingAlgo),
    bootMeasurementDigest: r.copy(VBS.bootMeasurementDigest, 64),
    signature: r.copy(VBS.signature, 256),
    publicKey: r.copy(VBS.publicKey, 512),
    ...pos,
  };
}

/**
 * Decodes the payload at `r.base` (already known to have the exact size) of a header of kind
 * `kind` into a complete header object. File references are recorded as stored; parse.ts checks
 * them against the file-data section. Objects are created with all their fields at once so that
 * every header of a kind shares one shape (parses can hold millions of them).
 */
export function decodeHeader(kind: HeaderKind, r: PayloadReader, pos: HeaderPosition, fail: Fail): IgvmHeader {
  const { index, type, offset } = pos;
  switch (kind) {
    case 'SUPPORTED_PLATFORM':
      return supportedPlatform(r, pos, fail);
    case 'GUEST_POLICY':
      requireZero(r, GP.reserved, 4, 'reserved', kind, fail);
      return { kind, policy: r.u64(GP.policy), compatibilityMask: r.u32(GP.compatibilityMask), index, type, offset };
    case 'RELOCATABLE_REGION': {
      const flags = r.u8(RR.flags);
      if ((flags & ~(RELOC_FLAG_IS_VTL2 | RELOC_FLAG_APPLY_RIP | RELOC_FLAG_APPLY_GDTR)) !== 0) {
        fail('IGVM_RESERVED_NONZERO', `${kind}: reserved flag bits set in 0x${flags.toString(16)}`, RR.flags, 'flags');
      }
      return {
        kind,
        compatibilityMask: r.u32(RR.compatibilityMask),
        vpIndex: r.u16(RR.vpIndex),
        vtl: r.u8(RR.vtl),
        flags: { isVtl2: (flags & RELOC_FLAG_IS_VTL2) !== 0, applyRip: (flags & RELOC_FLAG_APPLY_RIP) !== 0, applyGdtr: (flags & RELOC_FLAG_APPLY_GDTR) !== 0 },
        relocationAlignment: r.u64(RR.relocationAlignment),
        relocationRegionGpa: r.u64(RR.relocationRegionGpa),
        relocationRegionSize: r.u64(RR.relocationRegionSize),
        minimumRelocationGpa: r.u64(RR.minimumRelocationGpa),
        maximumRelocationGpa: r.u64(RR.maximumRelocationGpa),
        index,
        type,
        offset,
      };
    }
    case 'PAGE_TABLE_RELOCATION_REGION': {
      requireZero(r, PTR.reserved, 1, 'reserved', kind, fail);
      const size = r.u64(PTR.size);
      const used = r.u64(PTR.usedSize);
      if (used > size) fail('IGVM_BAD_FIELD', `${kind}: used_size 0x${used.toString(16)} exceeds size 0x${size.toString(16)}`, PTR.usedSize, 'used_size');
      return { kind, compatibilityMask: r.u32(PTR.compatibilityMask), vpIndex: r.u16(PTR.vpIndex), vtl: r.u8(PTR.vtl), gpa: r.u64(PTR.gpa), size, usedSize: used, index, type, offset };
    }
    case 'CORIM_DOCUMENT':
    case 'CORIM_SIGNATURE': {
      requireZero(r, CORIM.reserved, 4, 'reserved', kind, fail);
      const fileOffset = r.u32(CORIM.fileOffset);
      const sizeBytes = r.u32(CORIM.sizeBytes);
      if (fileOffset === 0 && sizeBytes !== 0) fail('IGVM_BAD_FIELD', `${kind}: size_bytes ${sizeBytes} with file_offset 0 (no data)`, CORIM.sizeBytes, 'size_bytes');
      return { kind, compatibilityMask: r.u32(CORIM.compatibilityMask), fileOffset, sizeBytes, index, type, offset };
    }
    case 'CCA_POLICY':
      requireZero(r, CCA.reserved, 4, 'reserved', kind, fail);
      requireZero(r, CCA.reserved2, 6, 'reserved2', kind, fail);
      return {
        kind,
        compatibilityMask: r.u32(CCA.compatibilityMask),
        attributesRequiredZeroes: r.u64(CCA.attributesRequiredZeroes),
        attributesRequiredOnes: r.u64(CCA.attributesRequiredOnes),
        hashAlgorithm: r.u8(CCA.hashAlgorithm),
        lfaPolicy: r.u8(CCA.lfaPolicy),
        index,
        type,
        offset,
      };
    case 'PARAMETER_AREA': {
      const size = r.u64(PA.numberOfBytes);
      requireAligned(size, PAGE_SIZE, 'number_of_bytes', kind, PA.numberOfBytes, fail);
      if (size > MAX_SAFE) fail('IGVM_TOO_LARGE', `${kind}: number_of_bytes 0x${size.toString(16)} is too large`, PA.numberOfBytes, 'number_of_bytes');
      const fileOffset = r.u32(PA.fileOffset);
      return { kind, parameterAreaIndex: r.u32(PA.parameterAreaIndex), size: Number(size), initialData: fileOffset === 0 ? null : { fileOffset }, index, type, offset };
    }
    case 'PAGE_DATA': {
      checkPageData(r, fail);
      const fileOffset = r.u32(PD.fileOffset);
      return {
        kind,
        gpa: r.u64(PD.gpa),
        compatibilityMask: r.u32(PD.compatibilityMask),
        flags: PAGE_FLAGS[r.u32(PD.flags)]!,
        dataType: PAGE_DATA_TYPES[r.u16(PD.dataType)]!,
        fileOffset,
        dataLength: fileOffset === 0 ? 0 : PAGE_SIZE,
        index,
        type,
        offset,
      };
    }
    case 'PARAMETER_INSERT': {
      const gpa = r.u64(PI.gpa);
      requireAligned(gpa, PAGE_SIZE, 'gpa', kind, PI.gpa, fail);
      return { kind, gpa, compatibilityMask: r.u32(PI.compatibilityMask), parameterAreaIndex: r.u32(PI.parameterAreaIndex), index, type, offset };
    }
    case 'VP_CONTEXT': {
      requireZero(r, VP.reserved, 2, 'reserved', kind, fail);
      const fileOffset = r.u32(VP.fileOffset);
      if (fileOffset === 0) fail('IGVM_BAD_FIELD', `${kind}: file_offset 0 (a VP context needs data)`, VP.fileOffset, 'file_offset');
      // length and format are settled by validate.ts / parse.ts from the platform headers.
      return {
        kind,
        gpa: r.u64(VP.gpa),
        compatibilityMask: r.u32(VP.compatibilityMask),
        vpIndex: r.u16(VP.vpIndex),
        fileOffset,
        length: PAGE_SIZE,
        format: 'snp-vmsa',
        index,
        type,
        offset,
      };
    }
    case 'REQUIRED_MEMORY': {
      requireZero(r, RM.reserved, 4, 'reserved', kind, fail);
      const flags = r.u32(RM.flags);
      if ((flags & ~REQMEM_FLAG_VTL2_PROTECTABLE) !== 0) fail('IGVM_RESERVED_NONZERO', `${kind}: reserved flag bits set in 0x${flags.toString(16)}`, RM.flags, 'flags');
      const gpa = r.u64(RM.gpa);
      requireAligned(gpa, PAGE_SIZE, 'gpa', kind, RM.gpa, fail);
      const n = r.u32(RM.numberOfBytes);
      requireAligned(BigInt(n), PAGE_SIZE, 'number_of_bytes', kind, RM.numberOfBytes, fail);
      return { kind, gpa, compatibilityMask: r.u32(RM.compatibilityMask), numberOfBytes: n, vtl2Protectable: (flags & REQMEM_FLAG_VTL2_PROTECTABLE) !== 0, index, type, offset };
    }
    case 'ERROR_RANGE':
      return { kind, gpa: r.u64(ER.gpa), compatibilityMask: r.u32(ER.compatibilityMask), sizeBytes: r.u32(ER.sizeBytes), index, type, offset };
    case 'SNP_ID_BLOCK':
      return snpIdBlock(r, pos, fail);
    case 'VBS_MEASUREMENT':
      return vbsMeasurement(r, pos);
    default: {
      // The parameter-usage headers (§4.10).
      const k: ParameterKind = kind;
      return { kind: k, parameterAreaIndex: r.u32(PARAM.parameterAreaIndex), byteOffset: r.u32(PARAM.byteOffset), index, type, offset };
    }
  }
}
