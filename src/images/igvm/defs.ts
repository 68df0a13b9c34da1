/**
 * IGVM format definitions (specs/igvm.md): fixed-header layout, TLV type codes with their payload
 * sizes and sections, and the byte-offset table of every payload struct. Logic lives in parse.ts
 * and write.ts; this file is only layout.
 */
import type { IgvmPlatformType, PageDataType, ParameterKind } from './types.js';

/** "IGVM" read as a little-endian u32 (igvm.md §2). */
export const IGVM_MAGIC = 0x4d564749;

/** Fixed header (igvm.md §2): V1 is 24 bytes, V2 adds architecture and page_size (32 bytes). */
export const FIXED = {
  magic: 0x00,
  formatVersion: 0x04,
  variableHeaderOffset: 0x08,
  variableHeaderSize: 0x0c,
  totalFileSize: 0x10,
  checksum: 0x14,
  architecture: 0x18, // V2 only
  pageSize: 0x1c, // V2 only
} as const;
export const FIXED_SIZE_V1 = 24;
export const FIXED_SIZE_V2 = 32;
/** V2 architecture values (igvm.md §2). */
export const ARCH_X64 = 0;
export const ARCH_AARCH64 = 1;
export const PAGE_SIZE = 4096;

/** TLV header: u32 type, u32 length (igvm.md §3.1). */
export const TLV_HEADER_SIZE = 8;
/** IGVM_VHT_OPTIONAL_BIT: "the loader may ignore this type"; the parser still rejects unknown types (§3.1). */
export const OPTIONAL_BIT = 0x8000_0000;
/** 0x306: RESERVED_DO_NOT_USE (was SHARED_BOUNDARY_GPA); always rejected (§3.3). */
export const TYPE_RESERVED_306 = 0x306;

export type Section = 'platform' | 'init' | 'directive';

/** Section order (§3.2): platform → init → directive, never re-entered. */
export const SECTION_RANK: Record<Section, number> = { platform: 0, init: 1, directive: 2 };

/** Header kinds by name, with type code, section and exact payload size (igvm.md §3.3). */
export const HEADER_TYPES = {
  SUPPORTED_PLATFORM: { type: 0x001, section: 'platform', size: 16 },
  GUEST_POLICY: { type: 0x101, section: 'init', size: 16 },
  RELOCATABLE_REGION: { type: 0x102, section: 'init', size: 48 },
  PAGE_TABLE_RELOCATION_REGION: { type: 0x103, section: 'init', size: 32 },
  CORIM_DOCUMENT: { type: 0x104, section: 'init', size: 16 },
  CORIM_SIGNATURE: { type: 0x105, section: 'init', size: 16 },
  CCA_POLICY: { type: 0x106, section: 'init', size: 32 },
  PARAMETER_AREA: { type: 0x301, section: 'directive', size: 16 },
  PAGE_DATA: { type: 0x302, section: 'directive', size: 24 },
  PARAMETER_INSERT: { type: 0x303, section: 'directive', size: 16 },
  VP_CONTEXT: { type: 0x304, section: 'directive', size: 20 },
  REQUIRED_MEMORY: { type: 0x305, section: 'directive', size: 24 },
  VP_COUNT_PARAMETER: { type: 0x307, section: 'directive', size: 8 },
  SRAT: { type: 0x308, section: 'directive', size: 8 },
  MADT: { type: 0x309, section: 'directive', size: 8 },
  MMIO_RANGES: { type: 0x30a, section: 'directive', size: 8 },
  SNP_ID_BLOCK: { type: 0x30b, section: 'directive', size: 696 },
  MEMORY_MAP: { type: 0x30c, section: 'directive', size: 8 },
  ERROR_RANGE: { type: 0x30d, section: 'directive', size: 16 },
  COMMAND_LINE: { type: 0x30e, section: 'directive', size: 8 },
  SLIT: { type: 0x30f, section: 'directive', size: 8 },
  PPTT: { type: 0x310, section: 'directive', size: 8 },
  VBS_MEASUREMENT: { type: 0x311, section: 'directive', size: 864 },
  DEVICE_TREE: { type: 0x312, section: 'directive', size: 8 },
  ENVIRONMENT_INFO_PARAMETER: { type: 0x313, section: 'directive', size: 8 },
} as const satisfies Record<string, { type: number; section: Section; size: number }>;

export type HeaderKind = keyof typeof HEADER_TYPES;

/** Type code → kind name. */
export const KIND_BY_TYPE: ReadonlyMap<number, HeaderKind> = /* @__PURE__ */ new Map(
  (Object.keys(HEADER_TYPES) as HeaderKind[]).map((k) => [HEADER_TYPES[k].type, k]),
);

export const PARAMETER_KINDS: readonly ParameterKind[] = [
  'VP_COUNT_PARAMETER',
  'SRAT',
  'MADT',
  'MMIO_RANGES',
  'MEMORY_MAP',
  'COMMAND_LINE',
  'SLIT',
  'PPTT',
  'DEVICE_TREE',
  'ENVIRONMENT_INFO_PARAMETER',
];

/** A printable name for any type code, including unknown ones (for error messages). */
export function typeName(type: number): string {
  const k = KIND_BY_TYPE.get(type);
  if (k) return k;
  if (type === TYPE_RESERVED_306) return 'RESERVED_DO_NOT_USE (0x306)';
  return `unknown type 0x${(type >>> 0).toString(16)}`;
}

/** Round up to the next multiple of 8 (TLV alignment, §3.1). */
export function align8(n: number): number {
  return n % 8 === 0 ? n : n + 8 - (n % 8);
}

// ---------------------------------------------------------------------------------------------
// Enumerations (§4.1, §4.8)
// ---------------------------------------------------------------------------------------------

/** SUPPORTED_PLATFORM.platform_type codes (§4.1). */
export const PLATFORM_TYPES: readonly IgvmPlatformType[] = ['NATIVE', 'VSM_ISOLATION', 'SEV_SNP', 'TDX', 'SEV', 'SEV_ES', 'CCA'];
/** PAGE_DATA.data_type codes (§4.8). */
export const PAGE_DATA_TYPES: readonly PageDataType[] = ['NORMAL', 'SECRETS', 'CPUID_DATA', 'CPUID_XF'];

/** PAGE_DATA flag bits (§4.8). */
export const PAGE_FLAG_2MB = 1 << 0;
export const PAGE_FLAG_UNMEASURED = 1 << 1;
export const PAGE_FLAG_SHARED = 1 << 2;
export const PAGE_FLAGS_KNOWN = 0x7;
/** RELOCATABLE_REGION flag bits (§4.3). */
export const RELOC_FLAG_IS_VTL2 = 0x1;
export const RELOC_FLAG_APPLY_RIP = 0x2;
export const RELOC_FLAG_APPLY_GDTR = 0x4;
/** REQUIRED_MEMORY flag bit 0 vtl2_protectable (§4.12). */
export const REQMEM_FLAG_VTL2_PROTECTABLE = 0x1;

/** 2 MiB: alignment of an is_2mb_page PAGE_DATA (§4.8). */
export const SIZE_2MIB = 0x20_0000;

// ---------------------------------------------------------------------------------------------
// Payload offset tables (igvm.md §4), relative to the start of the payload
// ---------------------------------------------------------------------------------------------

/** §4.1 SUPPORTED_PLATFORM. */
export const SP = { compatibilityMask: 0, highestVtl: 4, platformType: 5, platformVersion: 6, sharedGpaBoundary: 8 } as const;
/** §4.2 GUEST_POLICY. */
export const GP = { policy: 0, compatibilityMask: 8, reserved: 12 } as const;
/** §4.3 RELOCATABLE_REGION. */
export const RR = {
  compatibilityMask: 0,
  vpIndex: 4,
  vtl: 6,
  flags: 7,
  relocationAlignment: 8,
  relocationRegionGpa: 16,
  relocationRegionSize: 24,
  minimumRelocationGpa: 32,
  maximumRelocationGpa: 40,
} as const;
/** §4.4 PAGE_TABLE_RELOCATION_REGION. */
export const PTR = { compatibilityMask: 0, vpIndex: 4, vtl: 6, reserved: 7, gpa: 8, size: 16, usedSize: 24 } as const;
/** §4.5 CORIM_DATA. */
export const CORIM = { compatibilityMask: 0, fileOffset: 4, sizeBytes: 8, reserved: 12 } as const;
/** §4.6 CCA_POLICY. */
export const CCA = {
  compatibilityMask: 0,
  reserved: 4,
  attributesRequiredZeroes: 8,
  attributesRequiredOnes: 16,
  hashAlgorithm: 24,
  lfaPolicy: 25,
  reserved2: 26, // 6 bytes
} as const;
/** §4.7 PARAMETER_AREA. */
export const PA = { numberOfBytes: 0, parameterAreaIndex: 8, fileOffset: 12 } as const;
/** §4.8 PAGE_DATA. */
export const PD = { gpa: 0, compatibilityMask: 8, fileOffset: 12, flags: 16, dataType: 20, reserved: 22 } as const;
/** §4.9 PARAMETER_INSERT. */
export const PI = { gpa: 0, compatibilityMask: 8, parameterAreaIndex: 12 } as const;
/** §4.10 PARAMETER. */
export const PARAM = { parameterAreaIndex: 0, byteOffset: 4 } as const;
/** §4.11 VP_CONTEXT (gpa is an unaligned u64 in the packed 20-byte struct). */
export const VP = { gpa: 0, compatibilityMask: 8, fileOffset: 12, vpIndex: 16, reserved: 18 } as const;
/** §4.12 REQUIRED_MEMORY. */
export const RM = { gpa: 0, compatibilityMask: 8, numberOfBytes: 12, flags: 16, reserved: 20 } as const;
/** §4.13 ERROR_RANGE. */
export const ER = { gpa: 0, compatibilityMask: 8, sizeBytes: 12 } as const;
/** §4.15 SNP_ID_BLOCK. */
export const IDB = {
  compatibilityMask: 0,
  authorKeyEnabled: 4,
  reserved: 5, // 3 bytes
  ld: 8, // 48
  familyId: 56, // 16
  imageId: 72, // 16
  version: 88,
  guestSvn: 92,
  idKeyAlgorithm: 96,
  authorKeyAlgorithm: 100,
  idKeySignature: 104, // 144
  idPublicKey: 248, // 152
  authorKeySignature: 400, // 144
  authorPublicKey: 544, // 152
} as const;
/** IGVM ECDSA signature {r_comp[72], s_comp[72]} (§4.15). */
export const SIG = { r: 0, s: 72, size: 144 } as const;
/** IGVM ECDSA public key {curve u32, reserved u32, qx[72], qy[72]} (§4.15). */
export const PUBKEY = { curve: 0, reserved: 4, qx: 8, qy: 80, size: 152 } as const;
/** ECDSA component length in IGVM and firmware structures (72 bytes, little-endian). */
export const ECDSA_COMPONENT = 72;
/** §4.16 VBS_MEASUREMENT. */
export const VBS = {
  compatibilityMask: 0,
  version: 4,
  productId: 8,
  moduleId: 12,
  securityVersion: 16,
  policyFlags: 20,
  bootDigestAlgo: 24,
  signingAlgo: 28,
  bootMeasurementDigest: 32, // 64
  signature: 96, // 256
  publicKey: 352, // 512
} as const;

/** VBS VP context register record {u8 vtl; u32 register_name; u8 mbz[11]; u8 value[16]} (§4.11). */
export const VBS_REGISTER_SIZE = 32;
