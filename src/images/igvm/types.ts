/**
 * The parsed IGVM model (specs/igvm.md). Two shapes share the decoded fields:
 *
 * - `IgvmFile` is what `parseIgvm(src)` returns. It keeps every header in file order with its
 *   header index, type code and file offset; headers that point into the file-data section keep
 *   `fileOffset` + a length, never the bytes (read them with `readPageData` / `readVpContext` /
 *   `readParameterAreaData`, so large files are never read whole).
 * - `IgvmModel` is what `writeIgvm(model)` takes: the same decoded fields, but with the data as
 *   bytes and no offsets, because the writer chooses the canonical layout (igvm.md §6, §7.1).
 *
 * u64 fields are bigint (GPAs, policy, boundaries); u32/u16/u8 fields are numbers. Header names
 * (`kind`) are the igvm.md §3.3 names without the IGVM_VHT_ prefix.
 */

/** Platform types of SUPPORTED_PLATFORM.platform_type (igvm.md §4.1). */
export type IgvmPlatformType = 'NATIVE' | 'VSM_ISOLATION' | 'SEV_SNP' | 'TDX' | 'SEV' | 'SEV_ES' | 'CCA';

/** Fixed header (igvm.md §2). V1 files have no architecture field and are X64 (§7.1). */
export interface IgvmFixedHeader {
  formatVersion: 1 | 2;
  variableHeaderOffset: number;
  variableHeaderSize: number;
  totalFileSize: number;
  checksum: number;
  /** 'x64' for V1 files; the V2 architecture field otherwise. */
  architecture: 'x64' | 'aarch64';
  /** 4096 (the V2 page_size field; implied for V1). */
  pageSize: number;
}

// ---------------------------------------------------------------------------------------------
// Decoded header fields (shared by the parsed file and the writer model)
// ---------------------------------------------------------------------------------------------

/** 0x001 SUPPORTED_PLATFORM (§4.1). */
export interface SupportedPlatformFields {
  kind: 'SUPPORTED_PLATFORM';
  /** Exactly one bit set. */
  compatibilityMask: number;
  /** 0 or 2. */
  highestVtl: number;
  platformType: IgvmPlatformType;
  /** Always 1. */
  platformVersion: number;
  sharedGpaBoundary: bigint;
}

/** 0x101 GUEST_POLICY (§4.2). For SNP the policy is the SNP guest policy (attestation.md §1.4). */
export interface GuestPolicyFields {
  kind: 'GUEST_POLICY';
  policy: bigint;
  compatibilityMask: number;
}

/** 0x102 RELOCATABLE_REGION (§4.3). */
export interface RelocatableRegionFields {
  kind: 'RELOCATABLE_REGION';
  compatibilityMask: number;
  vpIndex: number;
  vtl: number;
  flags: { isVtl2: boolean; applyRip: boolean; applyGdtr: boolean };
  relocationAlignment: bigint;
  relocationRegionGpa: bigint;
  relocationRegionSize: bigint;
  minimumRelocationGpa: bigint;
  maximumRelocationGpa: bigint;
}

/** 0x103 PAGE_TABLE_RELOCATION_REGION (§4.4). */
export interface PageTableRelocationFields {
  kind: 'PAGE_TABLE_RELOCATION_REGION';
  compatibilityMask: number;
  vpIndex: number;
  vtl: number;
  gpa: bigint;
  size: bigint;
  usedSize: bigint;
}

/** 0x104 CORIM_DOCUMENT / 0x105 CORIM_SIGNATURE (§4.5): only the mask; data is separate. */
export interface CorimFields {
  kind: 'CORIM_DOCUMENT' | 'CORIM_SIGNATURE';
  compatibilityMask: number;
}

/** 0x106 CCA_POLICY (§4.6). */
export interface CcaPolicyFields {
  kind: 'CCA_POLICY';
  compatibilityMask: number;
  attributesRequiredZeroes: bigint;
  attributesRequiredOnes: bigint;
  /** SHA256 = 0, SHA512 = 1, SHA384 = 2. */
  hashAlgorithm: number;
  lfaPolicy: number;
}

/** 0x301 PARAMETER_AREA (§4.7): size and index; initial data is separate. */
export interface ParameterAreaFields {
  kind: 'PARAMETER_AREA';
  parameterAreaIndex: number;
  /** number_of_bytes: a multiple of 4096 (snp-launch rejects sizes above 2^53). */
  size: number;
}

/** PAGE_DATA flags (§4.8); reserved bits 31:3 must be 0. */
export interface PageDataFlags {
  is2MiB: boolean;
  unmeasured: boolean;
  shared: boolean;
}

/** PAGE_DATA data_type (§4.8). */
export type PageDataType = 'NORMAL' | 'SECRETS' | 'CPUID_DATA' | 'CPUID_XF';

/** 0x302 PAGE_DATA (§4.8): where the page goes; data is separate. */
export interface PageDataFields {
  kind: 'PAGE_DATA';
  gpa: bigint;
  compatibilityMask: number;
  flags: PageDataFlags;
  dataType: PageDataType;
}

/** 0x303 PARAMETER_INSERT (§4.9). */
export interface ParameterInsertFields {
  kind: 'PARAMETER_INSERT';
  gpa: bigint;
  compatibilityMask: number;
  parameterAreaIndex: number;
}

/** The parameter-usage header kinds (§4.10): all share the 8-byte PARAMETER struct. */
export type ParameterKind =
  | 'VP_COUNT_PARAMETER'
  | 'SRAT'
  | 'MADT'
  | 'MMIO_RANGES'
  | 'MEMORY_MAP'
  | 'COMMAND_LINE'
  | 'SLIT'
  | 'PPTT'
  | 'DEVICE_TREE'
  | 'ENVIRONMENT_INFO_PARAMETER';

/** 0x307–0x313 parameter usage (§4.10): the loader writes something at byteOffset of the area. */
export interface ParameterFields {
  kind: ParameterKind;
  parameterAreaIndex: number;
  byteOffset: number;
}

/** The format of a VP_CONTEXT's data, chosen by the platform whose mask equals its mask (§4.11). */
export type VpContextFormat = 'snp-vmsa' | 'native-x64' | 'vbs-registers' | 'cca-aarch64';

/** 0x304 VP_CONTEXT (§4.11): where and for which VP; the data is separate. */
export interface VpContextFields {
  kind: 'VP_CONTEXT';
  gpa: bigint;
  compatibilityMask: number;
  vpIndex: number;
}

/** 0x305 REQUIRED_MEMORY (§4.12). */
export interface RequiredMemoryFields {
  kind: 'REQUIRED_MEMORY';
  gpa: bigint;
  compatibilityMask: number;
  numberOfBytes: number;
  vtl2Protectable: boolean;
}

/** 0x30D ERROR_RANGE (§4.13). */
export interface ErrorRangeFields {
  kind: 'ERROR_RANGE';
  gpa: bigint;
  compatibilityMask: number;
  sizeBytes: number;
}

/** ECDSA signature as stored in IGVM (r, s little-endian, zero-padded to 72 bytes). */
export interface IgvmSignature {
  r: Uint8Array;
  s: Uint8Array;
}

/** ECDSA public key as stored in IGVM (§4.15): curve, reserved u32 (must be 0), qx, qy (72 LE). */
export interface IgvmPublicKey {
  curve: number;
  qx: Uint8Array;
  qy: Uint8Array;
}

/** 0x30B SNP_ID_BLOCK (§4.15). The policy is not here: loaders take it from GUEST_POLICY. */
export interface SnpIdBlockFields {
  kind: 'SNP_ID_BLOCK';
  compatibilityMask: number;
  /** author_key_enabled u8 (0 or 1 in practice; kept as stored). */
  authorKeyEnabled: number;
  /** Expected launch digest, 48 bytes. */
  ld: Uint8Array;
  familyId: Uint8Array;
  imageId: Uint8Array;
  version: number;
  guestSvn: number;
  /** 1 = ECDSA P-384 with SHA-384. */
  idKeyAlgorithm: number;
  authorKeyAlgorithm: number;
  idKeySignature: IgvmSignature;
  idPublicKey: IgvmPublicKey;
  authorKeySignature: IgvmSignature;
  authorPublicKey: IgvmPublicKey;
}

/** 0x311 VBS_MEASUREMENT (§4.16). */
export interface VbsMeasurementFields {
  kind: 'VBS_MEASUREMENT';
  compatibilityMask: number;
  version: number;
  productId: number;
  moduleId: number;
  securityVersion: number;
  policyFlags: number;
  bootDigestAlgo: number;
  signingAlgo: number;
  bootMeasurementDigest: Uint8Array; // 64
  signature: Uint8Array; // 256
  publicKey: Uint8Array; // 512
}

// ---------------------------------------------------------------------------------------------
// Parsed file: decoded fields + where each header is + references into the file-data section
// ---------------------------------------------------------------------------------------------

/** Where a header is: its 0-based index among all TLVs, its type code, the file offset of its TLV. */
export interface HeaderPosition {
  index: number;
  /** The raw TLV type code (e.g. 0x302). */
  type: number;
  /** File offset of the TLV's 8-byte {type, length} header. */
  offset: number;
}

export type IgvmSupportedPlatform = SupportedPlatformFields & HeaderPosition;
export type IgvmGuestPolicy = GuestPolicyFields & HeaderPosition;
export type IgvmRelocatableRegion = RelocatableRegionFields & HeaderPosition;
export type IgvmPageTableRelocation = PageTableRelocationFields & HeaderPosition;
/** fileOffset/sizeBytes as stored; fileOffset 0 means no data (then sizeBytes is 0 too). */
export type IgvmCorim = CorimFields & HeaderPosition & { fileOffset: number; sizeBytes: number };
export type IgvmCcaPolicy = CcaPolicyFields & HeaderPosition;
/** initialData: null = zero-filled (file_offset 0); else `size` bytes at fileOffset. */
export type IgvmParameterArea = ParameterAreaFields & HeaderPosition & { initialData: { fileOffset: number } | null };
/**
 * fileOffset 0 = a page of zeros (dataLength 0); else dataLength is 4096 (§4.8, §7.1). In parsed
 * files `flags` is one of eight shared frozen objects.
 */
export type IgvmPageData = PageDataFields & HeaderPosition & { fileOffset: number; dataLength: number };
export type IgvmParameterInsert = ParameterInsertFields & HeaderPosition;
export type IgvmParameter = ParameterFields & HeaderPosition;
/**
 * The data is `length` bytes at fileOffset: 4096 for every format except 'vbs-registers'
 * (4 + 32 × register_count). `readVpContext` returns it zero-padded to 4096.
 */
export type IgvmVpContext = VpContextFields & HeaderPosition & { fileOffset: number; length: number; format: VpContextFormat };
export type IgvmRequiredMemory = RequiredMemoryFields & HeaderPosition;
export type IgvmErrorRange = ErrorRangeFields & HeaderPosition;
export type IgvmSnpIdBlock = SnpIdBlockFields & HeaderPosition;
export type IgvmVbsMeasurement = VbsMeasurementFields & HeaderPosition;

/** Initialization-section headers (0x101–0x200). */
export type IgvmInitHeader = IgvmGuestPolicy | IgvmRelocatableRegion | IgvmPageTableRelocation | IgvmCorim | IgvmCcaPolicy;

/** Directive-section headers (0x301–0x400), in file order. */
export type IgvmDirective =
  | IgvmParameterArea
  | IgvmPageData
  | IgvmParameterInsert
  | IgvmParameter
  | IgvmVpContext
  | IgvmRequiredMemory
  | IgvmErrorRange
  | IgvmSnpIdBlock
  | IgvmVbsMeasurement;

export type IgvmHeader = IgvmSupportedPlatform | IgvmInitHeader | IgvmDirective;

export interface IgvmFile {
  /** The ByteSource name (used in errors). */
  name: string;
  fixed: IgvmFixedHeader;
  /** Every header in file order (headers[i].index === i). */
  headers: IgvmHeader[];
  /** The platform section (same objects as in `headers`). */
  platforms: IgvmSupportedPlatform[];
  /** The initialization section, in file order. */
  initialization: IgvmInitHeader[];
  /** The directive section, in file order. */
  directives: IgvmDirective[];
  /** Where file data starts: variableHeaderOffset + variableHeaderSize. */
  fileDataOffset: number;
  /**
   * Indices of headers whose TLV padding is not zero. Accepted like the reference parser does
   * (the old igvm-tooling pads with ASCII '0'), but such a file is not canonical.
   */
  nonZeroPadding: number[];
}

// ---------------------------------------------------------------------------------------------
// Writer model: decoded fields + data bytes, no offsets
// ---------------------------------------------------------------------------------------------

export type CorimSpec = CorimFields & { data: Uint8Array | null };
/** initialData must be exactly `size` bytes when given; null = zero-filled. */
export type ParameterAreaSpec = ParameterAreaFields & { initialData: Uint8Array | null };
/** data: at most 4096 bytes (zero-padded to 4096 when written); null = a page of zeros. */
export type PageDataSpec = PageDataFields & { data: Uint8Array | null };
/** data: the VMSA / context bytes (at most 4096; zero-padded to 4096 except VBS register lists). */
export type VpContextSpec = VpContextFields & { data: Uint8Array };

export type IgvmHeaderSpec =
  | SupportedPlatformFields
  | GuestPolicyFields
  | RelocatableRegionFields
  | PageTableRelocationFields
  | CorimSpec
  | CcaPolicyFields
  | ParameterAreaSpec
  | PageDataSpec
  | ParameterInsertFields
  | ParameterFields
  | VpContextSpec
  | RequiredMemoryFields
  | ErrorRangeFields
  | SnpIdBlockFields
  | VbsMeasurementFields;

/** What `writeIgvm` serialises and what `readIgvmModel` returns. */
export interface IgvmModel {
  formatVersion: 1 | 2;
  /** V2 only ('x64' for V1). */
  architecture: 'x64' | 'aarch64';
  /** Headers in file order: platforms, then initialization, then directives (§3.2). */
  headers: IgvmHeaderSpec[];
}
